"""HTTP-041: clients that reset in the middle of a large response."""
import pytest

from osnet_harness.httpclient import Conn, get
from httpfaults import dead_note, get_file, reset_close
from osnet_harness.timeouts import T

RESETS = 6


@pytest.mark.req("HTTP-041")
def test_reset_in_the_middle_of_a_large_response(launcher, site):
    """Expectation: a client with a small receive buffer asks for the 6 MiB
    file (and, half of the time, two more pipelined behind it), reads about
    64 KiB and resets (SO_LINGER 0: RST). The server, with most of the
    response unsent, gets EPIPE/ECONNRESET on its next write (SIGPIPE, unless
    ignored, would kill it). Six times; meanwhile a keep-alive client that
    connected first is answered after each reset, new clients get files
    byte-exact, and the server is still running at the end."""
    s = launcher.start()
    with Conn(s.addr, timeout=T(15)) as kept:
        for i in range(RESETS):
            c = Conn(s.addr, timeout=T(15), rcvbuf=4096)
            try:
                reqs = [get("/big.bin")] + ([get("/mid.bin"), get("/big.bin")] if i % 2 else [])
                c.send(b"".join(reqs))
                got = 0
                c.sock.settimeout(T(15))
                while got < 64 * 1024:
                    try:
                        n = len(c.sock.recv(16384))
                    except OSError as e:  # a timeout or a reset: the server's doing
                        n, why = 0, f"{type(e).__name__}: {e}"
                    else:
                        why = "end-of-file"
                    if n == 0:
                        raise AssertionError(
                            f"client {i + 1} sent {len(reqs)} pipelined GETs (/big.bin first) "
                            f"and expected at least 64 KiB of the 6 MiB response; after {got} "
                            f"bytes: {why}.{dead_note(s)}\n" + s.stderr_block())
                    got += n
            finally:
                reset_close(c)
            what = f"after client {i + 1} of {RESETS} reset its connection in the middle of /big.bin"
            get_file(s, site, "/hello.txt", f"the keep-alive client, {what}", conn=kept)
            get_file(s, site, "/mid.bin", f"a new client, {what}")
    assert s.alive(), "the server exited after clients reset mid-response\n" + s.stderr_block()
