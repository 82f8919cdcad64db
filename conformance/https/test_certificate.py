"""HTTPS-006: the server presents the chain of --cert, whole and in order, and
a client that trusts only the root CA verifies it for localhost and 127.0.0.1."""
import ssl

import pytest

from https.tlsclient import (TLS12, TLS13, VNAME, client_context, cmdline, curl, docroot_files,
                             expect_file, pem_blocks, request, s_client, tls_connect)

FILES = docroot_files()


def subject_of(der):
    """A short name for a DER certificate (its subject CN) for messages."""
    import subprocess
    p = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                       capture_output=True)
    return p.stdout.decode().strip() or f"{len(der)} bytes of DER"


@pytest.mark.req("HTTPS-006")
@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"], ids=["sni-localhost", "ip-no-sni"])
@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls1.3", "tls1.2"])
def test_chain_verifies(server, certs, report, hostname, version):
    # Python sends no Server Name Indication for an IP address: the
    # "127.0.0.1" case is also the "without SNI" case, checked against the
    # certificate's IP subjectAltName.
    report.repro(f"openssl s_client -connect {server.host}:{server.port} "
                 f"{'-servername localhost' if hostname == 'localhost' else '-noservername'} "
                 f"-CAfile {certs.ca} -verify_return_error -verify_hostname {hostname} "
                 f"-showcerts </dev/null")
    ctx = client_context(certs, version=version)
    what = f"a {VNAME[version]} client trusting only the root CA, verifying {hostname}"
    with tls_connect(server.addr, ctx, hostname=hostname, what=what) as c:
        leaf = c.sock.getpeercert(binary_form=True)
        want = ssl.PEM_cert_to_DER_cert(certs.chain_pems()[0])
        assert leaf == want, (f"{what}: the server's certificate is {subject_of(leaf)}, not the "
                              f"first certificate of --cert ({subject_of(want)})")
        c.send(request("/hello.txt", host=hostname))
        expect_file(c.read_response(), FILES["hello.txt"], f"{what}: GET /hello.txt")


def presented_chain(text):
    """The certificates s_client -showcerts printed, in order, as DER."""
    return [ssl.PEM_cert_to_DER_cert(p) for p in pem_blocks(text)]


@pytest.mark.req("HTTPS-006")
@pytest.mark.parametrize("servername", ["localhost", None], ids=["sni", "no-sni"])
def test_whole_chain_in_order(server, certs, report, servername):
    rc, out, err, cmd = s_client(server, certs, "-showcerts", servername=servername)
    report.repro(cmdline(cmd) + " </dev/null")
    got = presented_chain(out)
    want = [ssl.PEM_cert_to_DER_cert(p) for p in certs.chain_pems()]
    assert got == want, (
        f"the server presented {len(got)} certificate(s): "
        f"{[subject_of(d) for d in got]}; --cert holds {len(want)}, in this order: "
        f"{[subject_of(d) for d in want]} (the leaf first, then the intermediate that signed "
        f"it: without the intermediate, a client that trusts only the root cannot verify)")
    assert rc == 0 and "Verify return code: 0 (ok)" in out, (
        f"openssl s_client -CAfile ca.pem does not verify the chain (exit {rc}):\n"
        f"{(out + err)[-1500:]}")


@pytest.mark.req("HTTPS-006")
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_curl_verifies(server, certs, report, host):
    rc, out, err, cmd = curl(server, certs, "/index.html", "--http1.1", host=host)
    report.repro(cmdline(cmd))
    assert rc == 0, f"curl --cacert ca.pem https://{host}:{server.port}/ failed (exit {rc}): {err.strip()}"
    assert out == FILES["index.html"], f"curl got {out[:200]!r}, not index.html"
