"""CHAT-019, CHAT-020: what the wire shows when a chat connection ends.

tcpdump on lo around one client's connection, then the capture is read back:
FIN vs RST, who sent the first FIN, and (with ss) which side holds TIME_WAIT.
The capture is kept as an artifact; open it in Wireshark.
"""
import socket
import threading

import pytest

from chat.chatclient import Client, close_all, gather, joined
from osnet_harness.launch import free_port
from osnet_harness.timeouts import T
from wire import start_capture, time_wait_sockets


def capture(workdir, server, name, client_port=None):
    """A capture of the server's port, or of one client's connection to it
    (client_port: the client binds it before connecting; the filter then keeps
    out the bulk traffic of the other clients)."""
    return start_capture(workdir, server.host, server.port, name, peer_port=client_port)

def bound_client(server, nick, rcvbuf=None):
    """A client whose local port is chosen up front (see capture())."""
    port = free_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(("127.0.0.1", port))
    s.settimeout(T(10))
    s.connect(server.addr)
    return Client(sock=s, name=f"client {nick!r}"), port


def flow_of(cap, client_port, what, done):
    try:
        flows = cap.wait_for(lambda fs: any(f.client[1] == client_port and done(f) for f in fs),
                             what=what)
    except AssertionError as e:
        cap.__exit__(None, None, None)
        stats = " ".join(l.strip() for l in cap.stderr_lines if "packets" in l)
        raise AssertionError(f"{e}\ntcpdump: {stats}") from None
    return next(f for f in flows if f.client[1] == client_port)


def watcher_and(server, nick):
    """A joined 'watcher', a joined client `nick`, and that client's local port
    (which picks its connection out of the capture)."""
    (w,) = joined(server.addr, "watcher")
    v = Client(server.addr, name=f"client '{nick}'").join(nick)
    return w, v, v.sock.getsockname()[1]


def who(flow, seg):
    return "client" if seg.src == flow.client else "server"


@pytest.mark.req("CHAT-019")
def test_client_resets(server, workdir, report):
    cap = capture(workdir, server, "client-resets")
    report.artifact(cap.path)
    w, v, port = watcher_and(server, "victim")
    try:
        w.expect("JOIN victim")
        v.reset()
        w.expect("LEAVE victim closed", what="the victim left with RST")
        flow = flow_of(cap, port, "the client's RST", lambda f: f.rsts())
        # Let anything the server might send in reply reach the capture: a
        # round trip on another connection is on the wire after it.
        w.send("/who")
        w.expect("WHO watcher")
        flow = flow_of(cap, port, "the client's RST", lambda f: f.rsts())
    finally:
        cap.__exit__(None, None, None)
        close_all([w, v])
    rsts = flow.rsts()
    assert who(flow, rsts[0]) == "client", "the first RST came from the server\n" + flow.describe()
    fins = [f for f in flow.fins() if f.src == flow.client]
    assert not fins, "the client that reset also sent FIN?\n" + flow.describe()
    after = [s for s in flow.segments if s.src == flow.server and s.index > rsts[0].index]
    assert not after, (f"the server sent {len(after)} segment(s) after the client's RST "
                       f"(first: {after[0]!r}); nothing may answer an RST\n" + flow.describe())
    srv_rst = [s for s in rsts if s.src == flow.server]
    assert not srv_rst, "the server sent RST\n" + flow.describe()


@pytest.mark.req("CHAT-019")
def test_client_closes_first(server, workdir, report):
    cap = capture(workdir, server, "client-closes-first")
    report.artifact(cap.path)
    w, v, port = watcher_and(server, "victim")
    try:
        w.expect("JOIN victim")
        v.sock.shutdown(socket.SHUT_WR)
        w.expect("LEAVE victim closed", what="the victim closed (FIN)")
        rest, why = v.wait_eof(T(10))
        assert why == "eof", f"after the client's FIN the server did not close its side: {why}"
        v.close()
        flow = flow_of(cap, port, "both FINs acknowledged, or an RST",
                       lambda f: f.closed_by_both() or f.rsts())
    finally:
        cap.__exit__(None, None, None)
        close_all([w, v])
    assert not flow.rsts(), (f"RST on the wire (from {who(flow, flow.rsts()[0])}): an orderly "
                             f"close uses FIN\n" + flow.describe())
    first = flow.fins()[0]
    assert who(flow, first) == "client", ("the server sent the first FIN, but the client closed "
                                          "first\n" + flow.describe())
    tw_client = time_wait_sockets(local_port=port, remote_port=server.port)
    tw_server = time_wait_sockets(local_port=server.port, remote_port=port)
    assert tw_client, (f"no TIME_WAIT on the client's side (port {port}) although the client "
                       f"sent the first FIN; server-side: {tw_server}")
    assert not tw_server, f"TIME_WAIT on the server's side too: {tw_server}"


def check_server_closed_first(flow, server, port):
    assert not flow.rsts(), (f"RST on the wire (from {who(flow, flow.rsts()[0])}): the server "
                             f"must end the connection with FIN\n" + flow.describe())
    first = flow.fins()[0]
    assert who(flow, first) == "server", ("the client sent the first FIN, but the server ended "
                                          "the connection\n" + flow.describe())
    tw_server = time_wait_sockets(local_port=server.port, remote_port=port)
    tw_client = time_wait_sockets(local_port=port, remote_port=server.port)
    assert tw_server, (f"no TIME_WAIT on the server's side (local port {server.port}) although "
                       f"it sent the first FIN; client-side: {tw_client}")
    assert not tw_client, f"TIME_WAIT on the client's side too: {tw_client}"


@pytest.mark.req("CHAT-020")
def test_quit_server_closes_first(server, workdir, report):
    cap = capture(workdir, server, "quit-server-closes-first")
    report.artifact(cap.path)
    w, v, port = watcher_and(server, "quitter")
    try:
        w.expect("JOIN quitter")
        v.send("/quit")
        v.expect("BYE")
        rest, why = v.wait_eof(T(10))
        assert why == "eof", f"after BYE the client read {rest[:2]} then {why!r}, not end-of-file"
        v.close()
        flow = flow_of(cap, port, "both FINs acknowledged, or an RST",
                       lambda f: f.closed_by_both() or f.rsts())
    finally:
        cap.__exit__(None, None, None)
        close_all([w, v])
    check_server_closed_first(flow, server, port)


@pytest.mark.req("CHAT-020")
def test_kicked_slow_client_server_closes_first(server, workdir, report):
    p, w = joined(server.addr, "pusher", "watcher")
    v, port = bound_client(server, "slow", rcvbuf=4096)
    cap = capture(workdir, server, "slow-client-kicked", client_port=port)
    report.artifact(cap.path)
    stop = threading.Event()

    def flood():
        line = b"k" * 990
        i = 0
        try:
            while not stop.is_set() and i < 70000:
                p.send_raw(b"".join(b"%08d " % (i + j) + line + b"\n" for j in range(16)))
                i += 16
        except OSError:
            pass
    t = threading.Thread(target=flood, daemon=True)
    try:
        v.join("slow")
        p.expect("JOIN slow")
        w.expect("JOIN slow")
        t.start()

        def done(c):
            if c.got and c.got[-1] == b"LEAVE slow slow":
                return True
            if len(c.got) > 4096:
                del c.got[:-16]
            return False
        bad = gather([w], done, timeout=T(120))
        stop.set()
        t.join(T(30))
        assert not bad, ("the client that did not read was never kicked (no 'LEAVE slow slow'): "
                         "see CHAT-014")
        # Now it reads what it was sent, up to the server's FIN.
        rest, why = v.wait_eof(T(60))
        assert why == "eof", f"the kicked client read {len(rest)} lines then {why!r}, not EOF"
        v.close()
        flow = flow_of(cap, port, "both FINs acknowledged, or an RST",
                       lambda f: f.closed_by_both() or f.rsts())
    finally:
        stop.set()
        cap.__exit__(None, None, None)
        close_all([p, w, v])
    check_server_closed_first(flow, server, port)
