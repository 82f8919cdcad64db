"""SIGTERM in the middle of a write load, with uploads half sent.
(conformance/items checks the graceful stop one request at a time; this
is the same stop under load.)"""
import json
import signal
import socket
import threading
import time

import pytest

from itemsfaults import (JSON, Writer, check_integrity, check_writers, dead_note, padded, item,
                         parse, same_item, wait_count, wait_server_read)
from osnet_harness.httpclient import Conn, HttpError, request
from osnet_harness.launch import describe_status, template_fields
from osnet_harness.timeouts import T

CLIENTS = 4
ACKS = 40
UPLOADS = 3
BODY = 20000   # each upload's body (padded with spaces)
HALF = 10000   # sent before SIGTERM


def stopping(s, timeout):
    """Wait until the program shows it got the signal: its stderr has a line
    whose msg is "stopping", or a new connection is refused. (The signal
    is delivered when the kernel gets to it: a request finished before the
    program saw it is answered as any other, without Connection: close.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(s.stderr_path, "rb") as f:
                for line in f:
                    try:
                        if json.loads(line).get("msg") == "stopping":
                            return True
                    except (ValueError, AttributeError):
                        pass
        except OSError:
            pass
        try:
            socket.create_connection(s.addr, timeout=T(1)).close()
        except OSError:
            return True
        time.sleep(0.01)
    return False


@pytest.mark.req("ITEMS-102", "ITEMS-103")
def test_sigterm_under_write_load(launcher, impl, datadir):
    """Expectation: four clients create items one after another, each on a
    kept-alive connection. Once 40 creates are acknowledged, three more
    clients each send the head of a create and 10000 of its 20000 body
    bytes, and the program reads them (its sockets' receive queues are
    empty). SIGTERM; once the program has logged "stopping" or refuses a
    new connection (it got the signal), the three send the rest of their
    bodies: each gets 201 with its item and Connection: close, and then
    the connection closes. Every request of the four loaded clients gets a complete
    response, 201 with the item sent, or its connection ends before any
    byte of a response (a request the program had not read when it closed
    an idle connection); none gets a partial response, another status, or
    no answer. The loaded clients do not connect again after SIGTERM. The
    program exits with status 0. With a database ({datadir}), started
    again on it: every acknowledged item is there, equal, and no request
    that got no response created an item (a request the program read
    must be answered)."""
    s = launcher.start()
    stop = threading.Event()
    progress = threading.Semaphore(0)
    writers = [Writer(s, f"load{k}", stop, progress) for k in range(CLIENTS)]
    for w in writers:
        w.start()
    ups = []
    try:
        wait_count(progress, ACKS, T(60), "under load, before SIGTERM", s)
        for k in range(UPLOADS):
            obj = item(f"upload-{k}", k)
            body = padded(obj, BODY)
            c = Conn(s.addr, timeout=T(30))
            c.send(request("POST", "/items", [JSON, ("Content-Length", str(BODY))]) + body[:HALF])
            ups.append((c, obj, body))
        for c, _, _ in ups:
            wait_server_read(s.port, c.sock, T(5))
        for w in writers:
            w.no_reconnect.set()
        s.signal_group(signal.SIGTERM)
        if not stopping(s, T(10)):
            raise AssertionError(f"{T(10):.0f}s after SIGTERM the program neither logged "
                                 f"'stopping' nor refused a new connection: it does not stop"
                                 + dead_note(s) + "\n" + s.stderr_block())
        uploaded = []
        for k, (c, obj, body) in enumerate(ups):
            what = (f"upload {k + 1} of {UPLOADS}: head and {HALF} of {BODY} body bytes sent "
                    f"before SIGTERM, the rest after")
            try:
                c.send(body[HALF:])
                r = c.read_response("POST", timeout=T(20))
            except (HttpError, OSError) as e:
                raise AssertionError(f"{what}: no complete response ({str(e).splitlines()[0]}); "
                                     f"a request begun before SIGTERM must be finished"
                                     + dead_note(s) + "\n" + s.stderr_block()) from None
            got = parse(r)
            if r.status != 201 or not same_item(got, obj):
                raise AssertionError(f"{what}: expected 201 with the item "
                                     f"({json.dumps(obj)}), got:\n" + r.summary(300))
            if "close" not in r.tokens("Connection"):
                raise AssertionError(f"{what}: the 201 lacks Connection: close (the program is "
                                     f"stopping, and closes the connection after it)\n"
                                     + r.summary(300))
            extra, why = c.read_eof(T(10))
            if why == "timeout" or extra:
                raise AssertionError(f"{what}: after the 201 with Connection: close the "
                                     f"connection should end; "
                                     + (f"still open after {T(10):.0f}s" if why == "timeout"
                                        else f"{len(extra)} more bytes came"))
            uploaded.append(got)
        # A client still connected now sends one more request at most.
        stop.set()
        for w in writers:
            w.join(T(40))
        if any(w.is_alive() for w in writers):
            raise AssertionError(f"after SIGTERM, a loaded client's request got no answer and "
                                 f"its connection did not end within {T(40):.0f}s"
                                 + dead_note(s) + "\n" + s.stderr_block())
    finally:
        stop.set()
        for c, _, _ in ups:
            c.close()
    for w in writers:
        if w.bad:
            raise AssertionError(f"a loaded client, around SIGTERM: {w.bad[0]}")
    rc = s.wait_exit(T(30))
    if rc != 0:
        raise AssertionError("after SIGTERM under load, the program "
                             + (f"has not exited within {T(30):.0f}s" if rc is None
                                else describe_status(rc)) + "; expected exit status 0\n"
                             + s.stderr_block())
    if "datadir" not in template_fields(impl.template):
        return  # kept in memory: nothing to find again
    for w, it in zip(writers, uploaded):
        w.state[it["id"]] = it
        w.versions[it["name"]] = [it]
    check_integrity(datadir, "after SIGTERM under load")
    s2 = launcher.start()
    what = "after SIGTERM under load, started again on the same database"
    listed = check_writers(s2, writers, what)
    names = {it.get("name") for it in listed.values()}
    made = [n for w in writers for n in w.cut if n in names]
    if made:
        raise AssertionError(f"{what}: creates whose connection ended without a response were "
                             f"made anyway: {made[:10]} (a request the program read must be "
                             f"answered before it closes the connection)")
