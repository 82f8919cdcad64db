"""HTTPS-010..012: the http suite's core behaviours, over TLS: static bytes
exact (records of 16 KiB and a body spanning hundreds of them), HEAD,
keep-alive, pipelining, and a client that resets during a large write."""
import pytest

from osnet_harness.launch import describe_status
from osnet_harness.net import rst_close
from osnet_harness.timeouts import T
from https.tlsclient import (BIG_SIZE, PIPELINE_FILES, TLS12, TLS13, TLSFailure, VNAME,
                             assert_serves, client_context, cmdline, curl, docroot_files,
                             expect_file, request, tls_connect)

FILES = docroot_files()


@pytest.mark.req("HTTPS-010")
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_static_bytes_exact(server, certs, report, version):
    report.repro(f"curl -s --cacert {certs.ca} --resolve localhost:{server.port}:{server.host} "
                 f"https://localhost:{server.port}/big.bin | cmp - <docroot>/big.bin")
    what = f"over {VNAME[version]}"
    with tls_connect(server.addr, client_context(certs, version=version),
                     what=f"a {VNAME[version]} client") as c:
        for name in ("all-bytes.bin", "big.bin", "index.html"):
            c.send(request("/" + name))
            expect_file(c.read_response(timeout=T(5)), FILES[name], f"GET /{name} {what}")


@pytest.mark.req("HTTPS-010")
def test_head_over_tls(server, certs, report):
    with tls_connect(server.addr, client_context(certs), what="a TLS client") as c:
        c.send(request("/big.bin"))
        got = c.read_response(timeout=T(20))
        expect_file(got, FILES["big.bin"], "GET /big.bin")
        c.send(request("/big.bin", method="HEAD"))
        head = c.read_response(head=True)
        assert head.status == 200, f"HEAD /big.bin: {head.line!r}"
        assert head.get("content-length") == str(BIG_SIZE), (
            f"HEAD /big.bin: Content-Length {head.get('content-length')!r}, GET said {BIG_SIZE}")
        # No body: the next bytes on the connection are the next response.
        c.send(request("/hello.txt"))
        nxt = c.read_response()
        assert nxt.line.startswith("HTTP/1.1 200"), (
            f"after HEAD /big.bin the next response begins {nxt.line[:80]!r}: HEAD sent a body")
        expect_file(nxt, FILES["hello.txt"], "GET /hello.txt after HEAD")


@pytest.mark.req("HTTPS-010")
def test_curl_big_file(server, certs, report):
    rc, out, err, cmd = curl(server, certs, "/big.bin", "--http1.1")
    report.repro(cmdline(cmd) + " | cmp - <docroot>/big.bin")
    assert rc == 0, f"curl failed (exit {rc}): {err.strip()}"
    assert out == FILES["big.bin"], (f"curl got {len(out)} bytes, the file has {BIG_SIZE}"
                                     if len(out) != BIG_SIZE else "curl got different bytes")


@pytest.mark.req("HTTPS-011")
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_keep_alive(server, certs, report, version):
    with tls_connect(server.addr, client_context(certs, version=version),
                     what=f"a {VNAME[version]} keep-alive client") as c:
        for i in range(5):
            c.send(request(f"/p/{i:02d}.txt"))
            r = c.read_response()
            expect_file(r, FILES[f"p/{i:02d}.txt"], f"request {i + 1} of 5 on one connection")
            assert "close" not in r.get("connection", "").lower(), (
                f"response {i + 1} to an HTTP/1.1 request without 'Connection: close' says "
                f"'Connection: {r.get('connection')}'")


@pytest.mark.req("HTTPS-011")
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_pipelining_in_one_record(server, certs, report, version):
    # 40 requests, about 14 KB, written with one sendall: one TLS record (at
    # most 16 KiB). A server that decrypts part of it and then waits on poll()
    # for more never answers the rest: it is already inside OpenSSL.
    pad = ("x" * 250,)
    reqs = b"".join(request(f"/p/{i:02d}.txt", headers=[("X-Pad", pad[0])])
                    for i in range(PIPELINE_FILES))
    assert len(reqs) < 16384
    with tls_connect(server.addr, client_context(certs, version=version),
                     what=f"a {VNAME[version]} pipelining client") as c:
        c.send(reqs)
        for i in range(PIPELINE_FILES):
            try:
                r = c.read_response(timeout=T(5))
            except TLSFailure as e:
                raise AssertionError(
                    f"{PIPELINE_FILES} requests sent in one TLS record: only {i} responses came "
                    f"back ({e}). Pending decrypted bytes (SSL_pending) not served?") from None
            expect_file(r, FILES[f"p/{i:02d}.txt"], f"pipelined response {i + 1}")


@pytest.mark.req("HTTPS-012")
def test_reset_during_large_write(server, certs, report):
    ctx = client_context(certs)
    for i in range(10):
        try:
            c = tls_connect(server.addr, ctx, rcvbuf=4096, what="a client that will reset")
        except TLSFailure:
            gone = server.wait_exit(T(2)) if hasattr(server, "wait_exit") else None
            if gone is not None:
                raise AssertionError(f"the server exited ({describe_status(gone)}) after {i} client(s) reset "
                                     f"while their responses were being written\n"
                                     + server.stderr_block()) from None
            raise
        # 8 pipelined requests for 4 MiB: 32 MiB, far more than the socket
        # buffers hold, so the server is inside a write when the RST comes.
        c.send(request("/big.bin") * 8)
        c.sock.settimeout(T(10))
        try:
            c.sock.recv(1024)  # the response has begun; the server is writing megabytes
        except OSError:
            pass
        # Close with unread data and SO_LINGER 0: an RST. The server's next
        # write fails with ECONNRESET, and any write after that with EPIPE
        # (raising SIGPIPE unless the server ignores it).
        rst_close(c.sock)
    assert_serves(server, certs, "10 clients that reset while 32 MiB of responses were being written")
