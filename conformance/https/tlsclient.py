"""TLS clients for the https suite: Python's ssl module (OpenSSL), curl and
openssl s_client, plus just enough of the TLS record layer to read a
ClientHello or ServerHello byte by byte.

Everything a test does to the server goes through here, and every way the
server can let a client down (a failed handshake, an alert, a reset, a
malformed response, a timeout) comes back as an AssertionError that says
what the client did and what it saw: never as a bare ssl.SSLError, which the
harness would take for a bug in the test.
"""
import pathlib
import random
import shlex
import socket
import ssl
import struct
import subprocess
import time
import warnings

import pytest

from osnet_harness.net import connect, describe_diff
from osnet_harness.plugin import ROOT, build_dir
from osnet_harness.timeouts import T

MAKE_CERTS = ROOT / "tools" / "make-certs"

# TLS record content types (RFC 8446 §5.1, RFC 5246 §6.2.1).
CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
RECORD_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
# Handshake message types (RFC 8446 §4).
CLIENT_HELLO, SERVER_HELLO = 1, 2
VERSION_NAMES = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
                 0x0304: "TLS 1.3"}
SUPPORTED_VERSIONS_EXT = 43
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
          42: "bad_certificate", 48: "unknown_ca", 50: "decode_error", 70: "protocol_version",
          71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
          90: "user_canceled", 109: "missing_extension", 112: "unrecognized_name",
          120: "no_application_protocol"}

TLS12, TLS13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
VNAME = {TLS12: "TLS 1.2", TLS13: "TLS 1.3"}


# ---- certificates and the document root --------------------------------------

class Certs:
    """Paths of what tools/make-certs wrote."""

    def __init__(self, d):
        d = pathlib.Path(d)
        self.dir = d
        self.ca = d / "ca.pem"            # the only certificate the clients trust
        self.cert = d / "server.pem"      # leaf, then the intermediate
        self.key = d / "server.key"
        self.intermediate = d / "intermediate.pem"

    def chain_pems(self):
        """The certificates of server.pem, in file order, as PEM blocks."""
        return pem_blocks(self.cert.read_text())


def pem_blocks(text):
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("-----BEGIN CERTIFICATE"):
            cur = [line]
        elif cur is not None:
            cur.append(line)
            if line.startswith("-----END CERTIFICATE"):
                out.append("\n".join(cur) + "\n")
                cur = None
    return out


def make_certs():
    """Run tools/make-certs (it does nothing when the files are there and valid)."""
    d = build_dir() / "certs"
    p = subprocess.run([str(MAKE_CERTS), "-q", str(d)], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"tools/make-certs failed:\n{p.stdout}{p.stderr}")
    return Certs(d)


# The document root every https test serves: files of known bytes.
BIG_SIZE = 4 * 1024 * 1024 + 17   # far more than one 16 KiB TLS record, odd size
PIPELINE_FILES = 40


def docroot_files():
    rng = random.Random(0x7153)
    files = {
        "index.html": b"<!doctype html>\n<title>osnet https</title>\n<p>hello over TLS</p>\n",
        "hello.txt": b"hello over tls\n",
        "all-bytes.bin": bytes(range(256)) * 4,
        "big.bin": rng.randbytes(BIG_SIZE),
    }
    for i in range(PIPELINE_FILES):
        files[f"p/{i:02d}.txt"] = f"pipelined response number {i:02d}\n".encode()
    return files


def make_docroot(path):
    path = pathlib.Path(path)
    files = docroot_files()
    for name, data in files.items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    return files


# ---- Python's ssl client --------------------------------------------------------

def client_context(certs=None, version=None, alpn=None, legacy=None, keylog=None):
    """A client context that trusts only the test root CA and checks the host
    name (certs=None: verifies nothing). version pins one TLS version;
    legacy pins an old one (TLSv1, TLSv1_1) and lowers OpenSSL's security
    level so that our client is willing to offer it at all."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Python sets this by default: an end-of-file without close_notify would
    # look like a clean close. Cleared, it is an SSLEOFError (HTTPS-013).
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    if certs is None:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.load_verify_locations(cafile=str(certs.ca))
    if legacy is not None:
        # OpenSSL 3 refuses TLS 1.0/1.1 below security level 0 (SHA-1 in the
        # handshake signature): without this our client would never send
        # the ClientHello whose refusal we want to see.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = legacy
            ctx.maximum_version = legacy
    elif version is not None:
        ctx.minimum_version = version
        ctx.maximum_version = version
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    if keylog:
        ctx.keylog_filename = str(keylog)
    return ctx


class TLSFailure(AssertionError):
    """The server did not let a TLS client do what it should have."""


def describe_ssl_error(e):
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"certificate verification failed: {e.verify_message} ({e.reason})"
    if isinstance(e, ssl.SSLError):
        return f"{type(e).__name__} {e}"
    if isinstance(e, socket.timeout):
        return "timed out"
    return f"{type(e).__name__}: {e}"


class TLSConn:
    """One TLS connection and the HTTP/1.1 responses read from it."""

    def __init__(self, sock, what):
        self.sock, self.what = sock, what
        self.buf = b""

    @property
    def version(self):
        return self.sock.version()

    def alpn(self):
        return self.sock.selected_alpn_protocol()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            raise TLSFailure(f"{self.what}: sending {len(data)} bytes of requests failed: "
                             f"{describe_ssl_error(e)}") from None

    def _more(self, timeout, need):
        self.sock.settimeout(timeout)
        try:
            b = self.sock.recv(1 << 17)
        except (OSError, ssl.SSLError) as e:
            raise TLSFailure(f"{self.what}: {describe_ssl_error(e)} while waiting for {need} "
                             f"(had {len(self.buf)} bytes: {self.buf[:80]!r})") from None
        if not b:
            raise TLSFailure(f"{self.what}: the server closed the connection while the "
                             f"client waited for {need} (had {len(self.buf)} bytes: "
                             f"{self.buf[:80]!r})")
        self.buf += b

    def read_response(self, head=False, timeout=None):
        """Read one response; head=True: the request was HEAD (no body).
        Returns a Response. `timeout` bounds the wait for each next piece."""
        wait = T(10) if timeout is None else timeout
        while b"\r\n\r\n" not in self.buf:
            self._more(wait, "a response head")
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise TLSFailure(f"{self.what}: not an HTTP status line: {lines[0]!r}")
        status = int(parts[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        r = Response(status, lines[0], headers, b"")
        if head or status in (204, 304) or 100 <= status < 200:
            return r
        if "chunked" in r.get("transfer-encoding", "").lower():
            r.body = self._chunked(wait)
            return r
        n = r.get("content-length")
        if n is None or not n.isdigit():
            raise TLSFailure(f"{self.what}: response without a valid Content-Length: "
                             f"{lines[0]!r} {headers}")
        n = int(n)
        while len(self.buf) < n:
            self._more(wait, f"the rest of a {n}-byte body (have {len(self.buf)})")
        r.body, self.buf = self.buf[:n], self.buf[n:]
        return r

    def _chunked(self, wait):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._more(wait, "a chunk size")
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(self.buf) < size + 2:
                self._more(wait, "a chunk")
            body += self.buf[:size]
            self.buf = self.buf[size + 2:]
            if size == 0:
                return body

    def read_until_closed(self, timeout=None):
        """Read until the server ends the connection. Returns (bytes, how):
        how is 'close_notify' (a TLS closure: the server sent close_notify),
        'eof' (TCP end-of-file with no close_notify), 'reset', 'timeout' or
        'error: ...'. Needs suppress_ragged_eofs=False (tls_connect does it)."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        data = self.buf
        self.buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return data, "timeout"
            self.sock.settimeout(left)
            try:
                b = self.sock.recv(1 << 17)
            except ssl.SSLEOFError:
                return data, "eof"
            except ssl.SSLZeroReturnError:
                return data, "close_notify"
            except ssl.SSLError as e:
                if e.reason == "UNEXPECTED_EOF_WHILE_READING":  # OpenSSL 3's word for it
                    return data, "eof"
                return data, f"error: {describe_ssl_error(e)}"
            except socket.timeout:
                return data, "timeout"
            except ConnectionResetError:
                return data, "reset"
            except OSError as e:
                return data, f"error: {e}"
            if not b:
                return data, "close_notify"
            data += b

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Response:
    def __init__(self, status, line, headers, body):
        self.status, self.line, self.headers, self.body = status, line, headers, body

    def get(self, name, default=None):
        for n, v in self.headers:
            if n == name:
                return v
        return default

    def __repr__(self):
        return f"<{self.line}, {len(self.body)} body bytes>"


def tls_connect(addr, ctx, hostname="localhost", what=None, timeout=None, rcvbuf=None):
    """Connect and complete a TLS handshake; TLSFailure says why not."""
    what = what or "TLS client"
    try:
        raw = connect(addr, timeout=T(10) if timeout is None else timeout, rcvbuf=rcvbuf)
    except OSError as e:
        raise TLSFailure(f"{what}: cannot connect to {addr[0]}:{addr[1]}: {e}") from None
    try:
        # suppress_ragged_eofs=False: an end-of-file without close_notify is
        # reported (SSLEOFError), not passed off as a clean end (HTTPS-013).
        s = ctx.wrap_socket(raw, server_hostname=hostname, suppress_ragged_eofs=False)
    except (OSError, ssl.SSLError) as e:
        raw.close()
        raise TLSFailure(f"{what}: the TLS handshake failed: {describe_ssl_error(e)}") from None
    return TLSConn(s, what)


def request(path, method="GET", headers=(), host="localhost"):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: osnet-https"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def expect_file(resp, expected, what):
    """The response is a 200 carrying exactly `expected`."""
    if resp.status != 200:
        raise AssertionError(f"{what}: status {resp.line!r}, expected 200")
    cl = resp.get("content-length")
    if cl != str(len(expected)):
        # specs/https.md HTTPS-010 (and http's HTTP-003): a matching Content-Length,
        # not a chunked or close-delimited body.
        raise AssertionError(f"{what}: Content-Length {cl!r}, the file has {len(expected)} bytes"
                             f" (Transfer-Encoding {resp.get('transfer-encoding')!r})")
    if resp.body != expected:
        raise AssertionError(f"{what}: body differs from the file:\n"
                             + describe_diff(expected, resp.body))


def get(addr, ctx, path, hostname="localhost", what=None):
    """One GET over a new TLS connection; returns (Response, TLSConn version)."""
    with tls_connect(addr, ctx, hostname, what=what) as c:
        c.send(request(path))
        r = c.read_response()
        return r, c.version


def assert_serves(server, certs, context):
    """A new TLS 1.3 (or 1.2) client still gets /hello.txt, or AssertionError."""
    files = docroot_files()
    try:
        r, _ = get(server.addr, client_context(certs), "/hello.txt",
                   what=f"a new client after {context}")
        expect_file(r, files["hello.txt"], f"a new client after {context}")
    except AssertionError as e:
        dead = "" if server.alive() else " The server process is gone."
        raise AssertionError(f"after {context}, a new TLS client was not served.{dead}\n{e}\n"
                             + server.stderr_block()) from None


# ---- the TLS record layer, by hand ----------------------------------------------

def parse_records(data):
    """Split bytes into TLS records: ([(type, version, payload)], leftover, error)."""
    out, off = [], 0
    while off + 5 <= len(data):
        ctype, ver, n = struct.unpack("!BHH", data[off:off + 5])
        if ctype not in RECORD_TYPES or ver >> 8 != 3 or n > (1 << 14) + 2048:
            return out, data[off:], (f"at byte {off}: not a TLS record header "
                                     f"{data[off:off + 5].hex(' ')} (type {ctype}, "
                                     f"version {ver:#06x}, length {n})")
        if off + 5 + n > len(data):
            break
        out.append((ctype, ver, data[off + 5:off + 5 + n]))
        off += 5 + n
    return out, data[off:], None


def hello_versions(record_payload):
    """For a ClientHello or ServerHello handshake message: (type, legacy
    version, [versions in supported_versions] or None)."""
    p = record_payload
    if len(p) < 6:
        return None, None, None
    htype = p[0]
    body = p[4:4 + int.from_bytes(p[1:4], "big")]
    try:
        legacy = struct.unpack("!H", body[:2])[0]
    except struct.error:
        return htype, None, None
    try:
        return htype, legacy, _supported_versions(htype, body)
    except (IndexError, struct.error):  # a truncated or malformed hello
        return htype, legacy, None


def _supported_versions(htype, body):
    off = 2 + 32                                  # version, random
    off += 1 + body[off]                          # session id
    if htype == CLIENT_HELLO:
        off += 2 + struct.unpack("!H", body[off:off + 2])[0]   # cipher suites
        off += 1 + body[off]                                    # compression methods
    else:
        off += 2 + 1                                            # cipher suite, compression
    versions = None
    if off + 2 <= len(body):
        end = off + 2 + struct.unpack("!H", body[off:off + 2])[0]
        off += 2
        while off + 4 <= end:
            etype, elen = struct.unpack("!HH", body[off:off + 4])
            ext = body[off + 4:off + 4 + elen]
            if etype == SUPPORTED_VERSIONS_EXT:
                if htype == CLIENT_HELLO:
                    versions = [struct.unpack("!H", ext[i:i + 2])[0]
                                for i in range(1, 1 + ext[0], 2)]
                else:
                    versions = [struct.unpack("!H", ext[:2])[0]]
            off += 4 + elen
    return versions


def client_hello_bytes(ctx, hostname="localhost"):
    """The ClientHello `ctx` sends, made without touching the network."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False, server_hostname=hostname)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def offered_versions(hello):
    """The versions a ClientHello (record bytes) offers, as numbers."""
    recs, _, err = parse_records(hello)
    if err or not recs or recs[0][0] != HANDSHAKE or recs[0][2][0] != CLIENT_HELLO:
        raise AssertionError(f"our client produced no ClientHello ({err}): {hello[:16].hex(' ')}")
    _, legacy, versions = hello_versions(recs[0][2])
    return versions if versions is not None else [legacy]


def ssl3_client_hello():
    """An SSL 3.0 ClientHello, built by hand (OpenSSL 3 cannot send one):
    version 3.0 in the record and the hello, no extensions (SSL 3.0 had none)."""
    suites = [0x002F, 0x0035, 0x000A, 0xC009, 0xC013, 0xC00A, 0xC014]
    body = struct.pack("!H", 0x0300) + random.Random(3).randbytes(32) + b"\x00"
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00"
    hs = bytes([CLIENT_HELLO]) + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", HANDSHAKE, 0x0300, len(hs)) + hs


def server_answer(addr, hello, timeout=None):
    """Send a ClientHello on a new TCP connection and read what the server
    answers until it closes, goes quiet, or a ServerHello or alert is
    complete. Returns (description, accepted version or None, raw bytes)."""
    limit = T(5) if timeout is None else timeout
    with connect(addr, timeout=limit) as s:
        s.sendall(hello)
        data, how = b"", None
        deadline = time.monotonic() + limit
        while True:
            recs, _, err = parse_records(data)
            if err:
                return f"bytes that are not TLS ({err})", None, data
            for ctype, ver, payload in recs:
                if ctype == ALERT and len(payload) >= 2:
                    return f"a fatal alert: {ALERTS.get(payload[1], payload[1])}", None, data
                if ctype == HANDSHAKE and payload[:1] == bytes([SERVER_HELLO]):
                    _, legacy, versions = hello_versions(payload)
                    chosen = versions[0] if versions else legacy
                    if chosen is None:
                        return "a malformed ServerHello", None, data
                    return (f"a ServerHello choosing {VERSION_NAMES.get(chosen, hex(chosen))}",
                            chosen, data)
            left = deadline - time.monotonic()
            if left <= 0:
                how = "nothing conclusive (the server kept the connection open)"
                break
            s.settimeout(left)
            try:
                b = s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                how = "a reset"
                break
            if not b:
                how = "end-of-file (the server closed the connection)"
                break
            data += b
        return how, None, data


# ---- curl and openssl s_client --------------------------------------------------

def curl(server, certs, path, *opts, host="localhost"):
    """Run curl against the server; returns (exit status, stdout bytes, stderr)."""
    url_host = f"[{host}]" if ":" in host else host
    cmd = ["curl", "-sS", "--cacert", str(certs.ca), "--max-time", f"{T(15):.0f}"]
    if host == "localhost":
        cmd += ["--resolve", f"localhost:{server.port}:{server.host}"]
    cmd += list(opts) + [f"https://{url_host}:{server.port}{path}"]
    p = subprocess.run(cmd, capture_output=True, timeout=T(30))
    return p.returncode, p.stdout, p.stderr.decode(errors="replace"), cmd


def s_client(server, certs, *opts, stdin=b"", servername="localhost"):
    """Run openssl s_client (stdin then EOF: it closes after the handshake)."""
    cmd = ["openssl", "s_client", "-connect", f"{server.host}:{server.port}",
           "-CAfile", str(certs.ca), "-verify_return_error"]
    cmd += ["-servername", servername] if servername else ["-noservername"]
    cmd += list(opts)
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=T(30))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), cmd


def cmdline(cmd):
    return shlex.join(str(c) for c in cmd)


# Fixtures: conftest.py of conformance/https and pcap/https imports these.

@pytest.fixture(scope="session")
def certs():
    return make_certs()


@pytest.fixture(scope="session")
def docroot(tmp_path_factory):
    d = tmp_path_factory.mktemp("https-docroot")
    make_docroot(d)
    return d


@pytest.fixture
def launcher(launcher, certs, docroot):
    """The harness's launcher, with the https placeholders filled in, and
    header and idle timeouts far past any wait of a test (unless the test
    sets them), so that a default timeout expiring cannot pass a test that
    waits for the server to close for another reason."""
    launcher.values.update(cert=str(certs.cert), key=str(certs.key), datadir=str(docroot))
    long = str(int(T(300)))
    launcher.default_args.update({"--header-timeout": long, "--idle-timeout": long})
    return launcher


@pytest.fixture
def server(impl, request):
    """The program under test, serving our document root. A server started
    elsewhere (--addr) serves files the tests do not know: not checkable."""
    if impl.remote:
        pytest.skip("--addr: the https tests fetch files of known bytes from a document root "
                    "they make ({datadir}); run them through a launch template (--impl)")
    return request.getfixturevalue("launcher").start()
