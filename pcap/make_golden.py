#!/usr/bin/python3
"""`make pcaps`: capture the textbook scenarios against the reference servers
and write them as annotated pcapng under pcap/golden/ (a packet comment on
every packet worth a look: SYN, SYN-ACK, first FIN, RST, the ACK that starts
TIME_WAIT; the lines of a chat; each datagram of a guessing game). Open them
in Wireshark: View > Packet Comments, or the filter `frame.comment`.

The echo captures show how a TCP connection opens and ends; the chat capture
(two clients on one TCP server) and the guess capture (one game over UDP,
with a retransmission) are meant to be opened side by side: the same kind
of request/reply traffic with and without a connection. The https captures
(one GET over TLS 1.3, one over TLS 1.2, annotated from tshark's dissection)
carry their session keys, so Wireshark decrypts them as it opens them.

Each capture is checked with the same verifier the pcap tests use before it is
written, so a golden file never shows something the spec says must not happen.
"""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "conformance"), str(ROOT / "pcap")]

import dpkt  # noqa: E402

from osnet_harness.launch import Launcher  # noqa: E402
from osnet_harness.net import connect, recv_exact, recv_until_eof, rst_close  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402
from wire import Capture, tcp_flows, time_wait_sockets, udp_between  # noqa: E402

GOLDEN = ROOT / "pcap" / "golden"
BIN = ROOT / os.environ.get("OSNET_BUILD", "build") / "bin"
SERVER = str(BIN / "echo-epoll") + " --host {host} --port {port}"
CHAT = str(BIN / "chat") + " --host {host} --port {port}"
GUESS = str(BIN / "guess") + " --host {host} --port {port}"
MESSAGE = b"hello, osnet\n"


def annotate(flow, extra, first_payload=True):
    """Frame number -> comment, for the segments of one connection. extra(flow)
    adds comments of its own (joined to the generic ones on the same frame)."""
    notes = {}
    hs = flow.handshake()
    if hs:
        syn, synack, ack = hs
        notes[syn.index] = "SYN: the client opens the connection (active open)"
        notes[synack.index] = "SYN-ACK: the server's kernel accepts it (before accept() returns)"
        notes[ack.index] = "ACK: three-way handshake complete; connection ESTABLISHED on both sides"
    side = {flow.client: "client", flow.server: "server"}
    seen_data = set()
    for s in flow.segments:
        who = side[s.src]
        if first_payload and s.payload and who not in seen_data:
            seen_data.add(who)
            notes.setdefault(s.index, f"first payload from the {who} ({len(s.payload)} bytes)"
                             + (": the echo" if who == "server" else ""))
    fins = flow.fins()
    if fins and fins[0].src == flow.client:
        late = [s for s in flow.from_server() if s.payload and s.index > fins[0].index]
        if late:
            notes[late[0].index] = ("the echo, sent after the client's FIN: a half-closed "
                                    "connection still carries data the other way")
    if fins:
        first = fins[0]
        notes[first.index] = (f"first FIN, from the {side[first.src]}: it closes first (active close) "
                              f"and will hold TIME_WAIT")
        for f in fins[1:]:
            notes[f.index] = f"FIN from the {side[f.src]} (passive close): its side is done too"
        if flow.closed_by_both():
            last = fins[-1]
            ack = next(s for s in flow.segments if s.index > last.index and s.src == last.dst
                       and s.has(dpkt.tcp.TH_ACK))
            notes[ack.index] = (f"last ACK: the {side[ack.src]} enters TIME_WAIT for 2*MSL "
                                f"(60 s on Linux); the other side is CLOSED")
    for r in flow.rsts():
        notes[r.index] = (f"RST from the {side[r.src]}: the connection is aborted, not closed; "
                          f"unread or unsent data is thrown away and nobody holds TIME_WAIT")
    for frame, text in (extra(flow) if extra else {}).items():
        notes[frame] = f"{text}; {notes[frame]}" if frame in notes else text
    return notes


def client_closes_first(server):
    with connect(server.addr) as c:
        c.sendall(MESSAGE)
        c.shutdown(socket.SHUT_WR)
        recv_until_eof(c, T(10))
        return c.getsockname()[1]


def server_closes_first(server):
    c = connect(server.addr)
    c.sendall(MESSAGE)
    recv_exact(c, len(MESSAGE))
    server.stop(signal.SIGTERM)
    recv_until_eof(c, T(10))
    port = c.getsockname()[1]
    c.close()
    return port


def client_resets(server):
    c = connect(server.addr)
    c.sendall(MESSAGE)
    recv_exact(c, len(MESSAGE))
    port = c.getsockname()[1]
    rst_close(c)
    return port


SCENARIOS = [
    ("echo-client-closes-first", client_closes_first, "client",
     "Echo, orderly close started by the client (shutdown(SHUT_WR)); ECHO-018. "
     "The client sends the first FIN, so the client holds TIME_WAIT."),
    ("echo-server-closes-first", server_closes_first, "server",
     "Echo server stopped with SIGTERM while a client is idle; ECHO-019. "
     "The server sends the first FIN, so TIME_WAIT sits on the server's port: "
     "why a restart needs SO_REUSEADDR (ECHO-017)."),
    ("echo-client-resets", client_resets, None,
     "A client that closes with SO_LINGER {1,0}: RST instead of FIN, no TIME_WAIT; ECHO-012."),
]


def write_pcapng(raw, name, title, notes, keylog=None):
    """keylog: a TLS key log (SSLKEYLOGFILE format) to embed in the file, so
    Wireshark decrypts the TLS records without being told where the keys are."""
    out = GOLDEN / f"{name}.pcapng"
    cmd = ["editcap", "-F", "pcapng", "--capture-comment", title]
    if keylog:
        cmd += ["--inject-secrets", f"tls,{keylog}"]
    for frame, text in sorted(notes.items()):
        cmd += ["-a", f"{frame}:{text}"]
    cmd += [str(raw), str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


# ---- TCP chat: two clients join, talk, one /quit, one closes -------------------

def read_until(sock, token, what):
    """Read from a chat connection until `token` has arrived (or fail)."""
    buf = b""
    sock.settimeout(T(10))
    while token not in buf:
        b = sock.recv(4096)
        if not b:
            raise AssertionError(f"chat: end-of-file while waiting for {what} ({buf!r})")
        buf += b
    return buf


def chat_session(server):
    """alice and bob join, say hello, alice sends /quit (the server closes
    her connection: first FIN from the server), bob closes his (first FIN
    from the client). Returns {client port: name}."""
    alice = connect(server.addr)
    alice.sendall(b"alice\n")
    read_until(alice, b"WELCOME alice\n", "WELCOME alice")
    bob = connect(server.addr)
    bob.sendall(b"bob\n")
    read_until(bob, b"WELCOME bob\n", "WELCOME bob")
    read_until(alice, b"JOIN bob\n", "JOIN bob")
    alice.sendall(b"hi bob\n")
    read_until(bob, b"MSG alice hi bob\n", "alice's message")
    bob.sendall(b"hello alice\n")
    read_until(alice, b"MSG bob hello alice\n", "bob's message")
    alice.sendall(b"/quit\n")
    read_until(alice, b"BYE\n", "BYE")
    recv_until_eof(alice, T(10))
    read_until(bob, b"LEAVE alice quit\n", "LEAVE alice quit")
    ports = {alice.getsockname()[1]: "alice", bob.getsockname()[1]: "bob"}
    alice.close()
    bob.close()
    return ports


def chat_notes(names):
    def extra(flow):
        who = names[flow.client[1]]
        notes = {}
        for s in flow.segments:
            if not s.payload:
                continue
            lines = [l.decode(errors="replace") for l in s.payload.split(b"\n") if l]
            text = " | ".join(lines)[:120]
            if s.src == flow.client:
                notes[s.index] = f"{who} -> server: {text!r}"
            else:
                notes[s.index] = f"server -> {who}: {text!r}"
            if s.src == flow.client and b"/quit" in s.payload:
                notes[s.index] += " (asks to leave: the server answers BYE and closes first)"
        return notes
    return extra


def write_chat(index):
    name = "chat-two-clients"
    title = ("TCP chat: alice and bob join, exchange a message each way, alice sends /quit "
             "(the server answers BYE and closes first, so TIME_WAIT is on the server's side of "
             "her connection), bob closes his connection himself (TIME_WAIT on bob's side). "
             "Two connections to one port; compare with guess-game-udp.pcapng.")
    with tempfile.TemporaryDirectory() as tmp:
        lch = Launcher(CHAT, "chat", tmp)
        try:
            server = lch.start()
            raw = pathlib.Path(tmp) / f"{name}.pcap"
            with Capture(raw, server.port) as cap:
                names = chat_session(server)

                def done(flows):
                    mine = [f for f in flows if f.client[1] in names]
                    return len(mine) == 2 and all(f.closed_by_both() for f in mine)
                flows = cap.wait_for(done, what="both chat connections closed")
        finally:
            lch.stop_all()
        flows = [f for f in flows if f.client[1] in names]
        notes = {}
        for f in flows:
            assert f.handshake(), "no handshake in the chat capture"
            assert not f.rsts(), "an RST in the chat capture"
            notes.update(annotate(f, chat_notes(names), first_payload=False))
        out = write_pcapng(raw, name, title, notes)
        npk = sum(len(f.segments) for f in flows)
        print(f"  wrote {out.relative_to(ROOT)} ({npk} packets, {len(notes)} comments)")
        index.append(f"| `{out.name}` | {title} |")


# ---- UDP guess: one game, one retransmission --------------------------------------

def guess_game(server):
    """A binary-search game from one socket. The reply to the second guess is
    read only after the client has sent the request again (as a client whose
    timer fired before the reply came, or whose reply was lost): the server
    answers the retransmission byte for byte the same and does not count it.
    Returns (client address, [(datagram, comment)...] in wire order)."""
    import select
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    script = []

    def reply(seq):
        while True:
            r, _, _ = select.select([s], [], [], T(5))
            if not r:
                raise AssertionError(f"guess: no reply to seq {seq}")
            data = s.recv(1 << 16)
            if data.split(b" ")[1:2] == [b"%d" % seq]:
                return data
    try:
        lo, hi, seq = 1, 100, 0
        while True:
            seq += 1
            n = (lo + hi) // 2
            req = b"GUESS %d %d\n" % (seq, n)
            s.sendto(req, server.addr)
            if seq == 1:
                script.append((req, "the first request: one datagram, no handshake before it; "
                                    "the server makes a session for this address and port"))
            else:
                script.append((req, f"guess #{seq}: a new seq, so a new guess"))
            if seq == 2:
                # The client does not read the reply in time: it resends.
                first = reply(seq)
                script.append((first, "the reply (a client that missed it, or timed out "
                                      "first, sends the request again)"))
                s.sendto(req, server.addr)
                script.append((req, "retransmission: the same request, same seq; the server "
                                    "must not count it again"))
                rep = reply(seq)
                assert rep == first, f"guess: retransmission answered {rep!r}, first {first!r}"
                script.append((rep, "the same reply byte for byte: the try count did not move"))
            else:
                rep = reply(seq)
                word = rep.split(b" ")[0].decode()
                script.append((rep, {"HIGHER": "the secret is higher", "LOWER": "the secret is "
                                     "lower", "CORRECT": "CORRECT: the try count equals the "
                                     "number of distinct guesses; no teardown follows, the "
                                     "session is simply forgotten when idle"}.get(word, word)))
            word = rep.split(b" ")[0]
            if word == b"CORRECT":
                return s.getsockname(), script
            if word == b"HIGHER":
                lo = n + 1
            else:
                hi = n - 1
    finally:
        s.close()


def write_guess(index):
    name = "guess-game-udp"
    title = ("UDP guessing game: one game by binary search, each request one datagram, each "
             "reply one datagram, the second request sent twice (a retransmission, answered "
             "identically and not counted); no handshake, no teardown; GUESS-003, GUESS-012. "
             "Compare with chat-two-clients.pcapng.")
    with tempfile.TemporaryDirectory() as tmp:
        lch = Launcher(GUESS, "guess", tmp, ready_kind="udp")
        try:
            server = lch.start()
            raw = pathlib.Path(tmp) / f"{name}.pcap"
            with Capture(raw, server.port, proto="udp") as cap:
                me, script = guess_game(server)
                packets = cap.wait_packets(
                    lambda p: len(udp_between(p, me, server.addr)) >= len(script),
                    what="every datagram of the game")
        finally:
            lch.stop_all()
        dgrams = udp_between(packets, me, server.addr)
        assert len(dgrams) == len(script), f"guess: {len(dgrams)} datagrams for {len(script)}"
        assert not tcp_flows(packets, server.port), "guess: TCP in the capture"
        # Match datagrams to the script in order, per direction.
        notes = {}
        ups = [x for x in script if x[0].startswith(b"GUESS")]
        downs = [x for x in script if not x[0].startswith(b"GUESS")]
        for d in dgrams:
            queue = ups if d.src == tuple(me) else downs
            data, text = queue.pop(0)
            assert d.payload == data, f"guess: frame {d.index} is {d.payload!r}, expected {data!r}"
            way = "client -> server" if d.src == tuple(me) else "server -> client"
            notes[d.index] = f"{way} {data.decode().strip()!r}: {text}"
        out = write_pcapng(raw, name, title, notes)
        print(f"  wrote {out.relative_to(ROOT)} ({len(packets)} packets, {len(notes)} comments)")
        index.append(f"| `{out.name}` | {title} |")


# ---- HTTPS: one request over TLS 1.3 and one over TLS 1.2 -------------------------

HTTPS = (str(BIN / "http") + " --host {host} --port {port} --root {datadir}"
         " --cert {cert} --key {key}")
HANDSHAKE_WORDS = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket",
                   8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange",
                   14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange",
                   20: "Finished"}


def tls_frames(raw, keylog):
    """Frame number -> what tshark sees in it, decrypted with the key log:
    {"outer": [record types on the wire], "inner": [decrypted TLS 1.3 types],
    "hs": [handshake types], "alert": [alert codes], "get": bool, "status": code}."""
    fields = ["frame.number", "tls.record.opaque_type", "tls.record.content_type",
              "tls.handshake.type", "tls.alert_message.desc", "http.request.method",
              "http.response.code"]
    cmd = ["tshark", "-r", str(raw), "-o", f"tls.keylog_file:{keylog}", "-T", "fields",
           "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) != len(fields):
            continue
        nums = [[int(x, 0) for x in p.split(",") if x.strip()] for p in parts[1:5]]
        frames[int(parts[0])] = {"opaque": nums[0], "types": nums[1], "hs": nums[2],
                                 "alert": nums[3], "get": bool(parts[5]),
                                 "status": parts[6] or None}
    return frames


def https_notes(version, frames):
    """Comments for the TLS records of one capture, frame by frame."""
    v13 = version == "TLS 1.3"
    notes = {}
    seen_app = set()
    for n, f in sorted(frames.items()):
        hs = [HANDSHAKE_WORDS.get(h, str(h)) for h in f["hs"]]
        text = []
        if "ClientHello" in hs:
            text.append("ClientHello, in the clear: SNI 'localhost', ALPN 'http/1.1', cipher "
                        "suites, "
                        + ("TLS 1.3 in supported_versions and a key share already (one round "
                           "trip saved)" if v13 else
                           "version TLS 1.2 (no supported_versions: a client pinned to 1.2), no "
                           "key share: the key exchange comes later (ServerKeyExchange, "
                           "ClientKeyExchange)"))
        if "ServerHello" in hs:
            if v13:
                text.append("ServerHello: TLS 1.3 chosen (supported_versions) and the server's "
                            "key share; after it everything is encrypted: the records that "
                            "follow say application_data (23) on the wire and carry "
                            + ", ".join(h for h in hs if h != "ServerHello")
                            + " (the ALPN choice is in EncryptedExtensions, the certificates "
                            "too are hidden; Wireshark shows them decrypted with the embedded "
                            "keys)")
            else:
                text.append("ServerHello (TLS 1.2, ALPN http/1.1), then in the clear: "
                            + ", ".join(h for h in hs if h != "ServerHello")
                            + "; the Certificate message carries the leaf and the intermediate "
                            "(HTTPS-006)")
        elif v13 and "Finished" in hs and 20 in f["types"]:
            text.append("the client's ChangeCipherSpec (only for middlebox compatibility in "
                        "TLS 1.3, RFC 8446 D.4) and its encrypted Finished: handshake done")
        elif "ClientKeyExchange" in hs:
            text.append("ClientKeyExchange, ChangeCipherSpec, then the client's Finished, the "
                        "first encrypted handshake record")
        elif not v13 and "Finished" in hs:
            text.append("the server's ChangeCipherSpec and encrypted Finished"
                        + (" (after a NewSessionTicket)" if "NewSessionTicket" in hs else "")
                        + ": handshake done")
        elif "NewSessionTicket" in hs:
            text.append("NewSessionTicket, encrypted: a ticket the client may use to resume "
                        "later")
        if f["get"] and "client" not in seen_app:
            seen_app.add("client")
            text.append("the GET request: one application_data record; on the wire nothing "
                        "of 'GET / HTTP/1.1' is readable (HTTPS-014)")
        if f["status"] and "server" not in seen_app:
            seen_app.add("server")
            text.append(f"the response ({f['status']}), encrypted in application_data records")
        if 0 in f["alert"]:
            text.append("close_notify alert"
                        + (" (in TLS 1.3 it is encrypted too: outer type 23)" if v13 else
                           " (record type 21)")
                        + ": the end of the data, sent before the TCP FIN so a truncation "
                        "cannot pass for an end (RFC 8446 6.1, HTTPS-013)")
        if text:
            notes[n] = "; ".join(text)
    return notes


def write_https(index):
    from https.tlsclient import (TLS12, TLS13, client_context, make_certs, request,
                                 tls_connect)
    from https.tlswire import CLIENT_HELLO, SERVER_HELLO, is_hello, records
    certs = make_certs()
    for version, name in ((TLS13, "https-tls13-get"), (TLS12, "https-tls12-get")):
        vname = "TLS 1.3" if version == TLS13 else "TLS 1.2"
        title = (f"HTTPS over {vname}: TCP handshake, ClientHello, ServerHello, the rest of the "
                 f"handshake, one GET / and its response as application_data records, the "
                 f"server's close_notify, then FINs; HTTPS-014. The TLS keys are embedded "
                 f"(a Decryption Secrets Block): Wireshark shows the records decrypted.")
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp) / "root"
            root.mkdir()
            (root / "index.html").write_bytes(b"<!doctype html>\n<title>osnet</title>\n"
                                              b"<p>hello over TLS</p>\n")
            keylog = pathlib.Path(tmp) / "keys.txt"
            lch = Launcher(HTTPS, "http", tmp)
            lch.values.update(cert=str(certs.cert), key=str(certs.key), datadir=str(root))
            try:
                server = lch.start()
                raw = pathlib.Path(tmp) / f"{name}.pcap"
                with Capture(raw, server.port) as cap:
                    ctx = client_context(certs, version=version, alpn=["http/1.1"],
                                         keylog=keylog)
                    with tls_connect(server.addr, ctx) as c:
                        cport = c.sock.getsockname()[1]
                        c.send(request("/", headers=[("Connection", "close")]))
                        resp = c.read_response()
                        rest, how = c.read_until_closed()
                    assert resp.status == 200, f"https golden: {resp.line}"

                    def done(flows):
                        f = [x for x in flows if x.client[1] == cport]
                        return f and (f[0].closed_by_both() or f[0].rsts())
                    flows = cap.wait_for(done, what="the end of the TLS connection")
            finally:
                lch.stop_all()
            flow = next(x for x in flows if x.client[1] == cport)
            assert flow.handshake(), "no handshake in the https capture"
            for side, hello in (("client", CLIENT_HELLO), ("server", SERVER_HELLO)):
                recs, left, err = records(flow, side)
                assert err is None and not left, f"https golden: {side} bytes are not TLS: {err}"
                assert is_hello(recs[0], hello), f"https golden: {side} does not start with a hello"
                assert b"HTTP/1.1" not in flow.payload(side), "https golden: plaintext on the wire"
            notes = annotate(flow, lambda f: https_notes(vname, tls_frames(raw, keylog)),
                             first_payload=False)
            out = write_pcapng(raw, name, title, notes, keylog=keylog)
            print(f"  wrote {out.relative_to(ROOT)} ({len(flow.segments)} packets, "
                  f"{len(notes)} comments; close: {how})")
            index.append(f"| `{out.name}` | {title} |")


# ---- HTTP: keep-alive, pipelining, Connection: close -------------------------------

HTTP = str(BIN / "http") + " --host {host} --port {port} --root {datadir}"
HTTP_FILES = {"/index.html": b"<!doctype html>\n<title>osnet</title>\n<p>keep-alive</p>\n",
              "/a.txt": b"first file\n", "/b.txt": b"second file\n",
              "/c.json": b'{"third": true}\n', "/d.css": b"p { color: teal }\n"}


def http_request(path, close=False):
    return (f"GET {path} HTTP/1.1\r\nHost: osnet.test\r\n"
            + ("Connection: close\r\n" if close else "") + "\r\n").encode()


def http_notes(flow):
    """Comments on every segment that carries HTTP: which requests a client
    segment holds, which responses a server segment starts."""
    notes, nreq, nresp = {}, 0, 0
    for s in flow.segments:
        if not s.payload:
            continue
        if s.src == flow.client:
            lines = [l.decode() for l in s.payload.split(b"\r\n") if l.startswith(b"GET ")]
            first, nreq = nreq + 1, nreq + len(lines)
            if len(lines) > 1:
                notes[s.index] = (f"requests #{first}-#{nreq} pipelined: {len(lines)} requests "
                                  f"in one segment (one write), sent before any of their "
                                  f"responses; the server answers them in order (HTTP-023): "
                                  + " | ".join(lines))
            elif b"Connection: close" in s.payload:
                notes[s.index] = (f"request #{first}: {lines[0]} with Connection: close: the "
                                  f"server answers, then closes first (HTTP-021)")
            else:
                notes[s.index] = (f"request #{first}: {lines[0]}"
                                  + (" (the first request, right after the handshake)"
                                     if first == 1 else
                                     " on the same connection: no new handshake (HTTP-021)"))
        else:
            starts = [l.decode() for l in s.payload.split(b"\r\n") if l.startswith(b"HTTP/1.1 ")]
            if not starts:
                continue
            first, nresp = nresp + 1, nresp + len(starts)
            what = (f"response #{first}" if len(starts) == 1
                    else f"responses #{first}-#{nresp} in one segment")
            notes[s.index] = f"{what}: {' | '.join(starts)}"
            if b"Connection: close" in s.payload:
                notes[s.index] += (" (says Connection: close, HTTP-016: the FIN follows)")
    return notes


def write_http(index):
    """One connection to the reference http server: two requests one at a time,
    three pipelined in one segment, then one with Connection: close."""
    # The wire tests' helpers (pcap/http, conformance/http: folders named like
    # the standard library's http package, so they go on the path themselves).
    sys.path[:0] = [str(ROOT / "conformance" / "http"), str(ROOT / "pcap" / "http")]
    from osnet_harness.httpclient import Conn, pipeline
    from httpwire import responses, stream_offset, syn_count
    name = "http-keepalive-pipelined"
    title = ("HTTP/1.1 on one connection (http): the three-way handshake, two GETs one at a "
             "time, three GETs pipelined in one segment and answered in order, a GET with "
             "Connection: close, then the server's FIN first (so TIME_WAIT sits on the "
             "server's port); one SYN for six requests; HTTP-021, HTTP-023, HTTP-016.")
    singles = [http_request("/index.html"), http_request("/a.txt")]
    burst = [http_request("/b.txt"), http_request("/c.json"), http_request("/d.css")]
    last = http_request("/a.txt", close=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp) / "root"
        for path, data in HTTP_FILES.items():
            (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            (root / path.lstrip("/")).write_bytes(data)
        lch = Launcher(HTTP, "http", tmp)
        lch.values["datadir"] = str(root)
        try:
            server = lch.start()
            raw = pathlib.Path(tmp) / f"{name}.pcap"
            with Capture(raw, server.port) as cap:
                with Conn(server.addr) as c:
                    cport = c.sock.getsockname()[1]
                    for rq in singles:
                        pipeline(c, [rq])
                    pipeline(c, burst)
                    pipeline(c, [last])
                    extra, why = c.read_eof(T(10))
                    assert why == "eof" and not extra, f"http golden: after close: {why}"

                def done(flows):
                    f = [x for x in flows if x.client[1] == cport]
                    return f and (f[0].closed_by_both() or f[0].rsts())
                flows = cap.wait_for(done, what="the end of the http connection")
            tw = time_wait_sockets(local_port=server.port, remote_port=cport)
        finally:
            lch.stop_all()
        flow = next(x for x in flows if x.client[1] == cport)
        reqs = singles + burst + [last]
        assert flow.handshake() and syn_count(flow) == 1, "http golden: not one handshake"
        assert not flow.rsts(), "http golden: an RST"
        assert any(s.payload == b"".join(burst) for s in flow.from_client()), \
            "http golden: the pipelined requests are not in one segment"
        got, err, left = responses(flow, ["GET"] * len(reqs))
        assert err is None and not left, f"http golden: responses on the wire: {err}"
        for rq, r in zip(reqs, got):
            assert r.status == 200 and r.body == HTTP_FILES[rq.split(b" ")[1].decode()], \
                f"http golden: {rq!r} got {r.status}"
        first = flow.fins()[0]
        assert first.src == flow.server, "http golden: the client sent the first FIN"
        assert stream_offset(flow, first) == len(flow.payload("server")), \
            "http golden: the FIN is not right after the last response"
        assert tw, "http golden: no TIME_WAIT on the server's port"
        notes = annotate(flow, http_notes, first_payload=False)
        out = write_pcapng(raw, name, title, notes)
        print(f"  wrote {out.relative_to(ROOT)} ({len(flow.segments)} packets, "
              f"{len(notes)} comments)")
        index.append(f"| `{out.name}` | {title} |")


def main():
    if not shutil.which("editcap"):
        sys.exit("make pcaps: editcap is missing (tools/install-deps installs tshark)")
    GOLDEN.mkdir(parents=True, exist_ok=True)
    index = ["# Golden captures", "",
             "Written by `make pcaps` (`pcap/make_golden.py`) against the reference servers:",
             "`echo-epoll` for the `echo-*` files, `chat` and `guess` for the other two. Every",
             "packet worth a look carries a packet comment (Wireshark: add the column",
             "`frame.comment`, or filter on it). Open `chat-two-clients.pcapng` and",
             "`guess-game-udp.pcapng` side by side: request/reply traffic over TCP (handshake,",
             "acknowledgements, FIN and TIME_WAIT around every conversation) and over UDP",
             "(one datagram each way, nothing else; the client retransmits on its own).",
             "The `https-*` files (`http --cert`) show one GET over TLS 1.3 and over TLS 1.2:",
             "compare how much of the handshake is readable in each. Their TLS keys are",
             "embedded (a Decryption Secrets Block), so Wireshark shows the records decrypted.",
             "`http-keepalive-pipelined.pcapng` (`http`) shows six requests, three of them",
             "pipelined, sharing one handshake, and the server closing first.",
             "",
             "| file | what it shows |", "|---|---|"]
    for name, scenario, tw_side, title in SCENARIOS:
        with tempfile.TemporaryDirectory() as tmp:
            lch = Launcher(SERVER, "echo-epoll", tmp)
            try:
                server = lch.start()
                raw = pathlib.Path(tmp) / f"{name}.pcap"
                with Capture(raw, server.port) as cap:
                    cport = scenario(server)

                    def done(flows):
                        f = [x for x in flows if x.client[1] == cport]
                        return f and (f[0].closed_by_both() or f[0].rsts())
                    flows = cap.wait_for(done, what="the end of the connection")
                flow = next(x for x in flows if x.client[1] == cport)
                if tw_side == "client":
                    assert time_wait_sockets(local_port=cport), "expected TIME_WAIT on the client"
                elif tw_side == "server":
                    assert time_wait_sockets(local_port=server.port), "expected TIME_WAIT on the server"
            finally:
                lch.stop_all()
            assert flow.handshake(), "no handshake in the capture"
            notes = annotate(flow, None)
            out = write_pcapng(raw, name, title, notes)
            print(f"  wrote {out.relative_to(ROOT)} ({len(flow.segments)} packets, "
                  f"{len(notes)} comments)")
            index.append(f"| `{out.name}` | {title} |")
    write_chat(index)
    write_guess(index)
    write_https(index)
    write_http(index)
    (GOLDEN / "README.md").write_text("\n".join(index) + "\n")


if __name__ == "__main__":
    main()
