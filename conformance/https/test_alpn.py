"""HTTPS-004, HTTPS-005: ALPN (RFC 7301) picks http/1.1, and nothing the server
does not speak."""
import pytest

from https.tlsclient import (TLS12, TLS13, VNAME, client_context, cmdline, curl, docroot_files,
                             expect_file, request, s_client, tls_connect)

FILES = docroot_files()


def alpn_of(server, certs, offer, version=None):
    """(selected protocol or None, connection) after a handshake offering `offer`."""
    ctx = client_context(certs, version=version, alpn=offer)
    what = f"a client offering ALPN {offer}" + (f" over {VNAME[version]}" if version else "")
    return tls_connect(server.addr, ctx, what=what)


@pytest.mark.req("HTTPS-004")
@pytest.mark.parametrize("offer", [["http/1.1"], ["h2", "http/1.1"]], ids=["http1.1", "h2-then-http1.1"])
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_http11_selected(server, certs, report, offer, version):
    report.repro(f"openssl s_client -connect {server.host}:{server.port} -servername localhost "
                 f"-alpn {','.join(offer)} {'-tls1_3' if version == TLS13 else '-tls1_2'} "
                 f"</dev/null | grep ALPN")
    with alpn_of(server, certs, offer, version) as c:
        got = c.alpn()
        assert got == "http/1.1", (f"the client offered ALPN {offer} over {VNAME[version]}; the "
                                   f"server selected {got!r}, expected 'http/1.1'")
        c.send(request("/hello.txt"))
        expect_file(c.read_response(), FILES["hello.txt"], "GET /hello.txt after ALPN http/1.1")


@pytest.mark.req("HTTPS-004")
def test_no_alpn_still_served(server, certs, report):
    report.repro(f"curl -v --no-alpn --cacert {certs.ca} https://localhost:{server.port}/hello.txt")
    with tls_connect(server.addr, client_context(certs), what="a client offering no ALPN") as c:
        got = c.alpn()
        assert got is None, f"the client offered no ALPN, yet the handshake selected {got!r}"
        c.send(request("/hello.txt"))
        expect_file(c.read_response(), FILES["hello.txt"], "GET /hello.txt without ALPN")


@pytest.mark.req("HTTPS-004")
def test_s_client_sees_http11(server, certs, report):
    rc, out, err, cmd = s_client(server, certs, "-alpn", "h2,http/1.1")
    report.repro(cmdline(cmd) + " </dev/null")
    assert rc == 0, f"openssl s_client failed (exit {rc}):\n{(out + err)[-1500:]}"
    assert "ALPN protocol: http/1.1" in out, (f"openssl s_client -alpn h2,http/1.1 does not "
                                              f"report 'ALPN protocol: http/1.1':\n"
                                              f"{(out + err)[-1500:]}")


@pytest.mark.req("HTTPS-005")
@pytest.mark.parametrize("offer", [["h2"], ["h2", "spdy/3.1"]], ids=["h2", "h2-spdy"])
def test_never_h2(server, certs, report, offer):
    report.repro(f"openssl s_client -connect {server.host}:{server.port} -servername localhost "
                 f"-alpn {','.join(offer)} </dev/null 2>&1 | grep -i -e ALPN -e alert")
    try:
        c = alpn_of(server, certs, offer)
    except AssertionError as e:
        # RFC 7301 §3.2: no protocol in common -> a fatal no_application_protocol alert.
        msg = str(e).lower()
        assert "no application protocol" in msg or "no_application_protocol" in msg, (
            f"a client offering ALPN {offer} only: the handshake failed, but not with the "
            f"no_application_protocol alert RFC 7301 §3.2 names:\n{e}")
        return
    with c:
        got = c.alpn()
        assert got is None, (f"the client offered ALPN {offer} only; the server selected {got!r}, "
                             f"a protocol it does not speak (expected: no ALPN, or a "
                             f"no_application_protocol alert)")
        c.send(request("/hello.txt"))
        expect_file(c.read_response(), FILES["hello.txt"], "GET /hello.txt after ALPN without h2")


@pytest.mark.req("HTTPS-005")
def test_curl_http2_falls_back(server, certs, report):
    rc, out, err, cmd = curl(server, certs, "/hello.txt", "--http2", "-w", "\n@@%{http_version}")
    report.repro(cmdline(cmd))
    assert rc == 0, f"curl --http2 failed (exit {rc}): {err.strip()[-500:]}"
    body, _, version = out.rpartition(b"\n@@")
    assert version == b"1.1", (f"curl --http2 ended up speaking HTTP/{version.decode()}, "
                               f"but the server speaks HTTP/1.1 only (output: {out[:200]!r})")
    assert body == FILES["hello.txt"], f"curl --http2 got {body[:200]!r}, not /hello.txt"
