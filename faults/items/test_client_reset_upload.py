"""Clients reset (RST) their connection in the middle of a create's body,
or right after sending all of it, before reading the answer."""
import pytest

from inject import fd_count, wait_fds_at_most
from itemsfaults import (JSON, call, create, dead_note, item, list_all, padded, same_item,
                         wait_server_read)
from osnet_harness.httpclient import Conn, chunked, request
from osnet_harness.net import rst_close
from osnet_harness.timeouts import T

BODY = 60000   # under the default --max-body (65536)
SENT = 30000   # what a cut upload sends of it
PIECE = 8192   # chunk size of the chunked uploads
SLACK = 2      # descriptors allowed above the count before (a pooled database handle)

# (framing, whole body sent before the reset?)
EPISODES = [("content-length", False), ("chunked", False), ("content-length", True),
            ("content-length", False), ("chunked", False), ("chunked", True)]


def upload(name, framing, whole):
    """The bytes a client sends: the head and SENT bytes of the body, or
    the whole request."""
    body = padded(item(name, 7), BODY)
    if framing == "chunked":
        pieces = [body[i:i + PIECE] for i in range(0, BODY, PIECE)]
        head = request("POST", "/items", [JSON, ("Transfer-Encoding", "chunked")])
        wire = chunked(pieces)
        return head + (wire if whole else wire[:SENT])
    head = request("POST", "/items", [JSON, ("Content-Length", str(BODY))])
    return head + (body if whole else body[:SENT])


@pytest.mark.req("ITEMS-132")
def test_client_resets_mid_upload(launcher):
    """Expectation: after a first create, the program's descriptors are
    counted (/proc, every process of its group). Six clients, one after
    another, each POST a valid 60000-byte item (spaces after its closing
    brace, so that the first 30000 bytes are a valid object too;
    Content-Length or chunked): four send 30000 bytes of it, wait until the
    program has read them (its socket's receive queue is empty, or 5 s
    passed) and reset (SO_LINGER 0: RST); two send all of it and reset
    before reading the answer (the program's answer then meets a reset
    connection: EPIPE, or SIGPIPE if not ignored). After each, a new
    client's create gets 201 and its item reads back. At the end the
    program is running, no cut upload created an item (a body cut short is
    never taken for a whole one), an upload sent whole created its item or
    not, and if it did the item is the one sent; the program holds at most
    2 descriptors more than at first: every reset connection was closed."""
    server = launcher.start()
    create(server, item("reset-first", 1), "before any reset")
    base = fd_count(server)
    cut_names, whole_names = [], []
    for ep, (framing, whole) in enumerate(EPISODES, 1):
        name = f"reset-{ep}"
        what = (f"after client {ep} of {len(EPISODES)} reset its connection "
                + ("right after sending a whole create" if whole
                   else f"{SENT} bytes into a {BODY}-byte create") + f" ({framing})")
        c = Conn(server.addr, timeout=T(15))
        try:
            c.send(upload(name, framing, whole))
            if not whole:
                wait_server_read(server.port, c.sock, T(5))
        finally:
            rst_close(c.sock)
        (whole_names if whole else cut_names).append(name)
        it = create(server, item(f"after-{ep}", ep), f"{what}, a new client's create")
        r = call(server, request("GET", f"/items/{it['id']}"), f"{what}, reading it back")
        if r.status != 200:
            raise AssertionError(f"{what}: GET /items/{it['id']} of the item just created got:\n"
                                 + r.summary(300))
    if not server.alive():
        raise AssertionError("the program exited after clients reset their uploads"
                             + dead_note(server) + "\n" + server.stderr_block())
    what = f"after {len(EPISODES)} clients reset their connections"
    names = {it.get("name"): it for it in list_all(server, what).values()}
    made = [n for n in cut_names if n in names]
    if made:
        raise AssertionError(f"{what}: uploads cut after {SENT} of {BODY} bytes created items "
                             f"anyway: {made}")
    for n in whole_names:
        if n in names and not same_item(names[n], item(n, 7)):
            raise AssertionError(f"{what}: the item of an upload sent whole is not the one "
                                 f"sent: {names[n]}")
    n, ok = wait_fds_at_most(server, base + SLACK, T(10))
    if not ok:
        raise AssertionError(f"{what}: the program holds {n} descriptors; it held {base} before, "
                             f"and at most {base + SLACK} are allowed: descriptors of reset "
                             f"connections are left open" + dead_note(server))
