"""PROXY-020..022: bodies stream both ways, and 1 GiB each way costs the
proxy bounded memory."""
import pathlib
import socket
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.backends import PATTERN  # noqa: E402
from osnet_harness.httpclient import Conn, HttpError, describe, get, repro, request  # noqa: E402
from osnet_harness.launch import group_members  # noqa: E402
from osnet_harness.net import start_sender  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402
from proxykit import BodyReader, only_request, pattern, pattern_crc, read_head  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
FIRST = 1000        # the bytes that must get through before the rest is sent
MEMORY_SLACK = 64 * MiB


@pytest.mark.req("PROXY-020")
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_request_body_streams_to_the_origin(server, origin, report, framing):
    total = 4 * MiB
    body = pattern(0, total)
    if framing == "chunked":
        head = request("POST", "/echo?stream", [("Transfer-Encoding", "chunked")])
        first = b"%x\r\n" % FIRST + body[:FIRST] + b"\r\n"
        rest = b"%x\r\n" % (total - FIRST) + body[FIRST:] + b"\r\n0\r\n\r\n"
    else:
        head = request("POST", "/echo?stream", [("Content-Length", str(total))])
        first, rest = body[:FIRST], body[FIRST:]
    report.repro(repro(server.addr, head + first) + f"  # then {len(rest)} more bytes")
    with Conn(server.addr) as c:
        c.send(head + first)
        rec = origin.wait_requests(1, T(10))
        if not rec or not rec[0].body_started.wait(T(10)):
            raise HttpError(
                f"the client sent a request head ({framing}, {total} bytes declared) and the "
                f"first {FIRST} body bytes, then waited: "
                + ("the origin never received the request head"
                   if not rec else "the origin received the head but no body byte")
                + f" within {T(20):.0f}s; a proxy that streams forwards the first bytes at "
                f"once, one that holds the whole body before forwarding does not\n"
                + describe(head + first, "the first body bytes at the origin before the rest "
                           "is sent"))
        if rec[0].complete:
            raise HttpError("the origin saw the body complete before the client sent all of it")
        c.send(rest)
        r = c.read_response("POST", timeout=T(30))
    if r.status != 200:
        raise HttpError(describe(head, "200", r))
    rec[0].finished.wait(T(10))
    if rec[0].body_length != total or rec[0].body_crc32 != pattern_crc(total):
        raise HttpError(f"the streamed body did not reach the origin whole and unchanged: "
                        f"{rec[0].body_length} of {total} bytes, CRC-32 "
                        f"{rec[0].body_crc32:08x} (expected {pattern_crc(total):08x})")


@pytest.mark.req("PROXY-021")
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_response_body_streams_to_the_client(server, origin, report, chunked):
    total = 4 * MiB
    target = f"/stream/s1?first={FIRST}&total={total}" + ("&chunked=1" if chunked else "")
    rq = get(target)
    report.repro(repro(server.addr, rq))
    with Conn(server.addr) as c:
        c.send(rq)
        try:
            head = read_head(c, timeout=T(10))
        except HttpError as e:
            raise HttpError(f"the origin sent the response head and {FIRST} body bytes, then "
                            f"waited for the rest: the client got no response head ({e}); a "
                            f"proxy that holds the whole response before relaying it never "
                            f"sends anything here\n" + describe(rq, "the head and the first "
                                                                    f"{FIRST} bytes")) from None
        br = BodyReader(c, head)
        why = br.read_until(FIRST, timeout=T(10))
        if why != "enough":
            raise HttpError(f"the origin sent the head and {FIRST} body bytes, then waited: "
                            f"the client got the head but only {br.length} body bytes ({why})")
        if not origin.wait_arrived("s1", T(5)):
            raise HttpError("the origin did not record the /stream request")
        origin.release("s1")
        why = br.read_until(None, timeout=T(60))
    if why != "done" or br.length != total or br.crc != pattern_crc(total):
        raise HttpError(f"after the origin sent the rest, the body was not complete and "
                        f"unchanged: {br.length} of {total} bytes ({why})")


def rss_of(pid, field):
    """VmRSS / VmHWM of one process in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Memory:
    """Peak resident memory of a process group, measured from now: the
    kernel's high-water mark (VmHWM) is reset to the current RSS (writing 5
    to /proc/PID/clear_refs), so whatever the program used while starting
    does not count."""

    def __init__(self, server):
        self.pgid = server.pid
        self.pids = group_members(self.pgid)
        self.reset = True
        for p in self.pids:
            try:
                with open(f"/proc/{p}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                self.reset = False
        self.before = {p: rss_of(p, "VmRSS") for p in self.pids}

    def growth(self):
        """(bytes, text): the summed peak over the RSS before, per process."""
        total, parts = 0, []
        for p in sorted(set(self.pids) | set(group_members(self.pgid))):
            peak = rss_of(p, "VmHWM")
            grew = max(0, peak - self.before.get(p, 0))
            total += grew
            parts.append(f"pid {p}: RSS before {self.before.get(p, 0) // 1024} KiB, "
                         f"peak {peak // 1024} KiB")
        note = "" if self.reset else " (VmHWM could not be reset: it includes the start)"
        return total, "; ".join(parts) + note


def upload(addr, size):
    """POST a `size`-byte pattern body; return the response (its body small)."""
    head = request("POST", "/echo?big", [("Content-Length", str(size))])
    c = Conn(addr)
    c.send(head)
    pieces = []
    left = size
    while left:
        k = min(left, len(PATTERN))
        pieces.append(memoryview(PATTERN)[:k])
        left -= k
    sender = start_sender(c.sock, pieces)
    try:
        r = c.read_response("POST", timeout=T(600), idle=T(60))
    finally:
        sender.finish(T(30))
        c.close()
    return head, r, sender


@pytest.mark.req("PROXY-022")
def test_one_gib_each_way_in_bounded_memory(server, origin, report):
    mem = Memory(server)
    # Upload: 1 GiB through the proxy to the origin.
    head, r, sender = upload(server.addr, GiB)
    if sender.error is not None or r.status != 200:
        raise HttpError(f"a 1 GiB upload was not relayed (sent {sender.sent} bytes"
                        + (f", then {sender.error}" if sender.error else "") + ")\n"
                        + describe(head, "200 from the origin", r))
    rec = only_request(origin, "the 1 GiB upload", head)
    rec.finished.wait(T(30))
    if rec.body_length != GiB or rec.body_crc32 != pattern_crc(GiB):
        raise HttpError(f"the 1 GiB upload did not reach the origin whole and unchanged: "
                        f"{rec.body_length} bytes, CRC-32 {rec.body_crc32:08x}")
    up, up_text = mem.growth()
    # Download: 1 GiB from the origin through the proxy. The client reads
    # nothing at first: a proxy with back-pressure stops reading the origin
    # once its buffers are full, so the origin cannot get the first 256 MiB
    # out (the Backend marks "arrived" only after sending them); a proxy
    # that reads whatever the origin sends takes them all into memory.
    head_start = 256 * MiB
    rq = get(f"/stream/big?first={head_start}&total={GiB}")
    report.repro(f"curl -s 'http://{server.host}:{server.port}/bytes/{GiB}' | wc -c")
    with Conn(server.addr) as c:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 * MiB)
        c.send(rq)
        h = read_head(c, timeout=T(30))
        pushed = origin.wait_arrived("big", T(5)) is not None
        origin.release("big")
        br = BodyReader(c, h, keep=0)
        why = br.read_until(None, timeout=T(600), idle=T(60))
    if why != "done" or br.length != GiB or br.crc != pattern_crc(GiB):
        raise HttpError(f"a 1 GiB download was not relayed whole and unchanged: {br.length} "
                        f"bytes ({why})\n" + describe(rq, "200 and 1 GiB of the pattern"))
    total, text = mem.growth()
    if total > MEMORY_SLACK:
        raise HttpError(f"relaying 1 GiB each way raised the proxy's peak resident memory by "
                        f"{total // MiB} MiB (after the upload alone: {up // MiB} MiB); at most "
                        f"{MEMORY_SLACK // MiB} MiB is allowed: a proxy that streams through "
                        f"bounded buffers needs far less"
                        + (f" (while the client read nothing, the origin got {head_start // MiB} "
                           f"MiB of the download out: the proxy did not stop reading it)"
                           if pushed else "") + f". {text}")
