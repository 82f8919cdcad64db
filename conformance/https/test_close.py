"""HTTPS-013: the server ends a TLS connection with close_notify (RFC 8446 §6.1)."""
import pytest

from https.tlsclient import (TLS12, TLS13, VNAME, client_context, docroot_files, expect_file,
                             request, tls_connect)

FILES = docroot_files()


@pytest.mark.req("HTTPS-013")
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_close_notify_before_fin(server, certs, report, version):
    report.repro(f"openssl s_client -connect {server.host}:{server.port} -servername localhost "
                 f"-ign_eof -msg {'-tls1_3' if version == TLS13 else '-tls1_2'} <<< "
                 f"$'GET /hello.txt HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n'"
                 f" 2>&1 | grep -i alert   # expect: Alert ... close_notify")
    with tls_connect(server.addr, client_context(certs, version=version),
                     what=f"a {VNAME[version]} client") as c:
        c.send(request("/hello.txt", headers=[("Connection", "close")]))
        expect_file(c.read_response(), FILES["hello.txt"], "GET /hello.txt, Connection: close")
        rest, how = c.read_until_closed()
        assert how == "close_notify", (
            f"after its response to 'Connection: close' the server ended the {VNAME[version]} "
            f"connection with {how}, not with a close_notify alert"
            + (f" (and {len(rest)} more bytes: {rest[:80]!r})" if rest else ""))
        assert not rest, f"bytes after the response: {rest[:200]!r}"
