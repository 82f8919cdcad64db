#!/usr/bin/python3
"""`make pcaps`: capture the textbook TCP scenarios against the reference echo
server and write them as annotated pcapng under pcap/golden/ (a packet comment
on every packet worth a look: SYN, SYN-ACK, first FIN, RST, the ACK that starts
TIME_WAIT). Open them in Wireshark: View > Packet Comments, or the filter
`frame.comment`.

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
from wire import Capture, time_wait_sockets  # noqa: E402

GOLDEN = ROOT / "pcap" / "golden"
SERVER = (str(ROOT / os.environ.get("OSNET_BUILD", "build") / "bin" / "echo-epoll")
          + " --host {host} --port {port}")
MESSAGE = b"hello, osnet\n"


def annotate(flow, extra):
    """Frame number -> comment, for the segments of one connection."""
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
        if s.payload and who not in seen_data:
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
    notes.update(extra(flow) if extra else {})
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


def main():
    if not shutil.which("editcap"):
        sys.exit("make pcaps: editcap is missing (tools/install-deps installs tshark)")
    GOLDEN.mkdir(parents=True, exist_ok=True)
    index = ["# Golden captures", "",
             "Written by `make pcaps` against `echo-epoll`; every packet worth a look carries a",
             "packet comment (Wireshark: add the column `frame.comment`, or filter on it).", "",
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
            out = GOLDEN / f"{name}.pcapng"
            cmd = ["editcap", "-F", "pcapng", "--capture-comment", title]
            for frame, text in sorted(notes.items()):
                cmd += ["-a", f"{frame}:{text}"]
            cmd += [str(raw), str(out)]
            subprocess.run(cmd, check=True, capture_output=True)
            print(f"  wrote {out.relative_to(ROOT)} ({len(flow.segments)} packets, "
                  f"{len(notes)} comments)")
            index.append(f"| `{out.name}` | {title} |")
    (GOLDEN / "README.md").write_text("\n".join(index) + "\n")


if __name__ == "__main__":
    main()
