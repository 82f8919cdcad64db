"""HTTP-026: many connections open at once."""
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from osnet_harness.httpclient import Conn, HttpError, describe, get  # noqa: E402
from osnet_harness.net import connect_many  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

N = 1000


@pytest.mark.req("HTTP-026")
def test_1000_connections_at_once(server, site, report):
    targets = ["/hello.txt", "/index.html", "/small.bin", "/sub/page.txt"]
    socks = connect_many(server.addr, N, timeout=T(60))
    conns = [Conn(server.addr, sock=s) for s in socks]
    try:
        # Every connection is open before any request is sent; then every
        # request is sent before any response is read.
        for i, c in enumerate(conns):
            c.send(get(targets[i % len(targets)]))
        bad = []
        # One deadline for all: a server that stalls costs one wait, not 1000.
        deadline = time.monotonic() + T(60)
        for i, c in enumerate(conns):
            target = targets[i % len(targets)]
            left = max(deadline - time.monotonic(), 0.05)
            try:
                r = c.read_response("GET", timeout=left, idle=min(left, T(20)))
            except HttpError as e:
                bad.append(f"connection #{i + 1} (GET {target}): {e}")
                continue
            r.request = get(target)
            if r.status != 200 or r.body != site[target]:
                bad.append(f"connection #{i + 1}: " + describe(r.request, f"200 and {target}", r))
        if bad:
            raise HttpError(f"{len(bad)} of {N} connections open at once were not served "
                            f"correctly; the first:\n" + "\n".join(bad[:3]))
    finally:
        for c in conns:
            c.close()
