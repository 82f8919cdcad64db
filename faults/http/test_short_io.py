"""HTTP-023, HTTP-027: every socket send and recv moves half of what was
asked (libfiu + our shim's socket-only short points)."""
import pytest

from osnet_harness.httpclient import Conn, get, pipeline
from httpfaults import check_file
from inject import Fiu
from osnet_harness.timeouts import T

POINTS = ["send", "recv", "write", "read"]
TARGETS = ["/hello.txt", "/small.bin", "/index.html", "/mid.bin", "/sub/page.txt", "/big.bin",
           "/empty.txt", "/hello.txt"]


@pytest.mark.req("HTTP-023", "HTTP-027")
def test_short_reads_and_writes(launcher, workdir, site):
    """Expectation: with every socket recv/read and send/write short (len/2,
    each call), requests pipelined in one write, and among them a 6 MiB file,
    come back in order and byte-exact; then a second connection does the same.

    What the shim reaches: recv/read and send/write only. The reference sends
    file bodies with sendfile() and nginx its heads with writev(), neither
    wrapped, so the short writes hit the reference's response heads (send)
    and nothing of nginx's; the short reads hit both servers' request side
    (recv), which is where a parser must keep partial requests. The test is
    skipped if no socket read went through libc at all."""
    fiu = Fiu(workdir, enable=[f"enable name=osnet/net/{p}/short" for p in POINTS])
    s = launcher.start(wrap=fiu.wrap())
    reqs = [get(t) for t in TARGETS]
    for round_ in range(1, 3):
        with Conn(s.addr, timeout=T(15)) as c:
            resps = pipeline(c, reqs, timeout=T(120))
        for i, (r, t) in enumerate(zip(resps, TARGETS)):
            check_file(r, site, t, f"connection {round_}: response #{i + 1} of {len(reqs)} "
                                   f"pipelined requests ({t}) while every socket read and write "
                                   f"was short")
    fired = fiu.fired()
    if not any(p in fired for p in ("osnet_net_recv_short", "osnet_net_read_short")):
        pytest.skip(f"no socket read went through libc's recv/read (io_uring, recvmsg or raw "
                    f"system calls), so the shim shortened none (fired: {fired or 'nothing'})")
    assert s.alive(), "the server exited under short reads and writes\n" + s.stderr_block()
