"""HTTPS-001..003: TLS 1.2 and 1.3 accepted; SSL 3.0, TLS 1.0 and 1.1 refused."""
import ssl

import pytest

from https.tlsclient import (TLS12, TLS13, VERSION_NAMES, VNAME, client_context,
                             client_hello_bytes, cmdline, curl, docroot_files, expect_file,
                             offered_versions, request, server_answer, ssl3_client_hello,
                             tls_connect)
from osnet_harness.timeouts import T

FILES = docroot_files()


def check_version(server, certs, report, version):
    name = VNAME[version]
    flag = {TLS12: "-tls1_2", TLS13: "-tls1_3"}[version]
    report.repro(f"openssl s_client -connect {server.host}:{server.port} -servername localhost "
                 f"-CAfile {certs.ca} -verify_return_error {flag}")
    ctx = client_context(certs, version=version)
    with tls_connect(server.addr, ctx, what=f"a client offering {name} only") as c:
        got = c.version
        assert got == {TLS12: "TLSv1.2", TLS13: "TLSv1.3"}[version], \
            f"the client asked for {name} only, the connection reports {got}"
        # Two requests, so a connection that breaks after the first is seen.
        c.send(request("/hello.txt"))
        expect_file(c.read_response(), FILES["hello.txt"], f"GET /hello.txt over {name}")
        c.send(request("/all-bytes.bin"))
        expect_file(c.read_response(), FILES["all-bytes.bin"], f"GET /all-bytes.bin over {name}")


@pytest.mark.req("HTTPS-001")
def test_tls13(server, certs, report):
    check_version(server, certs, report, TLS13)


@pytest.mark.req("HTTPS-002")
def test_tls12(server, certs, report):
    check_version(server, certs, report, TLS12)


@pytest.mark.parametrize("flags", [
    pytest.param(["--tlsv1.3", "--tls-max", "1.3"], id="curl-tls1.3",
                 marks=pytest.mark.req("HTTPS-001")),
    pytest.param(["--tlsv1.2", "--tls-max", "1.2"], id="curl-tls1.2",
                 marks=pytest.mark.req("HTTPS-002")),
])
def test_curl_each_version(server, certs, report, flags):
    rc, out, err, cmd = curl(server, certs, "/index.html", "--http1.1", *flags)
    report.repro(cmdline(cmd))
    assert rc == 0, f"curl {' '.join(flags)} failed (exit {rc}): {err.strip()}"
    assert out == FILES["index.html"], f"curl got {out[:200]!r}, not index.html"


def expect_refusal(how, what, raw):
    """The server refused the hello: an alert, or the connection closed
    (not left hanging, nor answered with something that is not TLS)."""
    if how.startswith(("a fatal alert", "end-of-file", "a reset")):
        return
    raise AssertionError(f"{what} was answered with {how}; expected an alert "
                         f"(protocol_version) or the connection closed, within {T(5):.0f} s "
                         f"(received {len(raw)} bytes: {raw[:40].hex(' ')})")


LEGACY = [("TLS 1.0", ssl.TLSVersion.TLSv1, "-tls1"), ("TLS 1.1", ssl.TLSVersion.TLSv1_1, "-tls1_1")]


@pytest.mark.req("HTTPS-003")
@pytest.mark.parametrize("name,version,flag", LEGACY, ids=["tls1.0", "tls1.1"])
def test_old_tls_refused(server, certs, report, name, version, flag):
    report.repro(f"openssl s_client -connect {server.host}:{server.port} {flag} "
                 f"-cipher DEFAULT@SECLEVEL=0 </dev/null   # must fail: an alert, no session")
    ctx = client_context(None, legacy=version)
    hello = client_hello_bytes(ctx)
    offered = offered_versions(hello)
    newer = [v for v in offered if v > {"TLS 1.0": 0x0301, "TLS 1.1": 0x0302}[name]]
    # A check of the test itself: if our client offered anything newer, a
    # failed handshake would not show the server refuses the old version.
    assert not newer, (f"(test setup) our {name} client also offers "
                       f"{[VERSION_NAMES.get(v, hex(v)) for v in newer]}")
    how, chosen, raw = server_answer(server.addr, hello)
    if chosen is not None and chosen <= max(offered):
        raise AssertionError(f"a ClientHello offering only {name} was answered with {how}: "
                             f"the server negotiates a version RFC 8996 forbids")
    expect_refusal(how, f"a ClientHello offering only {name}", raw)
    # And a whole handshake attempt, as a real old client would make it.
    try:
        with tls_connect(server.addr, ctx, what=f"a client offering {name} only") as c:
            got = c.version
    except AssertionError:
        return
    raise AssertionError(f"a client offering only {name} completed a handshake ({got})")


@pytest.mark.req("HTTPS-003")
def test_ssl3_refused(server, report):
    hello = ssl3_client_hello()
    escaped = "".join(f"\\x{b:02x}" for b in hello)
    report.repro(f"printf '{escaped}' | nc {server.host} {server.port} | od -An -tx1 | head"
                 f"   # an alert (15 03 ..), or nothing")
    how, chosen, raw = server_answer(server.addr, hello)
    assert chosen is None or chosen > 0x0300, (
        f"an SSL 3.0 ClientHello was answered with {how}: RFC 7568 says SSL 3.0 MUST NOT "
        f"be used")
    expect_refusal(how, "an SSL 3.0 ClientHello", raw)
