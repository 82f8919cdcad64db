"""CHAT-011, CHAT-012: /quit, and connections that end without it."""
import socket

import pytest

from chat.chatclient import Client, close_all, gather, joined, repro_nc
from chat.freeze import frozen
from osnet_harness.timeouts import T


def still_serves(server, olds, context):
    """A new client joins; every client in olds hears it and gets a message from it."""
    n = Client(server.addr, name="new client").join("newbie", what=f"a new client {context}")
    try:
        for o in olds:
            o.expect("JOIN newbie", what=f"a new client joined {context}")
        n.send("still here?")
        for o in olds:
            o.expect("MSG newbie still here?", what=f"a message {context}")
    finally:
        n.close()
    if not server.alive():
        raise AssertionError(f"the server died {context}\n" + server.stderr_block())


@pytest.mark.req("CHAT-011")
def test_quit(server, report):
    report.repro(repro_nc(server.addr, ["alice", "/quit"], ["bob"]))
    a, b, c = joined(server.addr, "alice", "bob", "carol")
    try:
        a.send("/quit")
        a.expect("BYE", what="the answer to /quit")
        rest, why = a.wait_eof(T(10))
        assert why == "eof" and not rest, (
            f"after BYE the server must close the connection (the client reads end-of-file); "
            f"got {rest[:3]} then {why!r}")
        b.expect("LEAVE alice quit", what="alice sent /quit")
        c.expect("LEAVE alice quit", what="alice sent /quit")
        still_serves(server, [b, c], "after a /quit")
    finally:
        close_all([a, b, c])


@pytest.mark.req("CHAT-012")
@pytest.mark.parametrize("how", ["fin", "rst", "fin-unjoined", "rst-half-line"])
def test_connection_ends(server, report, how):
    a, b, c = joined(server.addr, "alice", "bob", "carol")
    u = Client(server.addr, name="unjoined client")
    try:
        if how == "fin":
            c.close()
        elif how == "rst":
            c.reset()
        elif how == "rst-half-line":
            c.send_raw(b"half a li")
            c.reset()
        else:
            u.close()
            u = None
            c.close()
        b.expect("LEAVE carol closed", what=f"carol's connection ended ({how})")
        a.expect("LEAVE carol closed", what=f"carol's connection ended ({how})")
        still_serves(server, [a, b], f"after a client left ({how})")
    finally:
        close_all([a, b, c] + ([u] if u else []))


def fill_victim(server, sender, victim, watchers, size=96 * 1024):
    """The sender broadcasts until the server holds output for the victim
    (which never reads): every watcher has read it all, the victim has not."""
    line = b"x" * 900
    n = size // (len(line) + 12)
    sender.send_raw(b"".join(b"%05d " % i + line + b"\n" for i in range(n)))
    last = f"MSG {sender.nick} %05d ".encode() % (n - 1) + line
    bad = gather(watchers, lambda c: last in c.got, timeout=T(30))
    assert not bad, f"{bad[0].name} did not receive the burst: {bad[0].context()}"
    return n


@pytest.mark.req("CHAT-012")
@pytest.mark.parametrize("how", ["rst", "fin"])
def test_ends_while_server_sends_to_it(server, report, how):
    """The victim never reads (4 KiB receive buffer) while a burst is
    broadcast, so the server is in the middle of sending to it; then it
    resets, or half-closes (FIN) and reads what the server had for it."""
    s, w = joined(server.addr, "sender", "watcher")
    v = Client(server.addr, name="client 'victim'", rcvbuf=4096).join("victim")
    s.expect("JOIN victim")
    w.expect("JOIN victim")
    try:
        fill_victim(server, s, v, [w])
        if how == "rst":
            v.reset()
        else:
            v.sock.shutdown(socket.SHUT_WR)
        s.send("after")
        got = w.wait_for("MSG sender after", what=f"the victim's connection ended ({how}) while "
                                                 f"the server was sending it a burst")
        leaves = [l for l in got if l.startswith(b"LEAVE victim")]
        if not leaves:
            gone = lambda c: any(l.startswith(b"LEAVE victim") for l in c.got)
            assert not gather([w], gone, timeout=T(30)), (
                f"watcher: never received 'LEAVE victim closed' (the victim's connection ended "
                f"({how}))\n" + w.context())
            leaves = [l for l in w.got if l.startswith(b"LEAVE victim")]
        # Kicked as slow before it went is fine too (CHAT-014): exactly one LEAVE.
        assert leaves[0] in (b"LEAVE victim closed", b"LEAVE victim slow"), leaves
        assert len(leaves) == 1, f"the victim left more than once: {leaves}"
        s.wait_for(leaves[0], what="the sender hears of the victim too")
        if how == "fin":
            rest, why = v.wait_eof(T(30))
            assert why == "eof", (f"the victim half-closed (FIN); the server must close its side "
                                  f"too: it read {len(rest)} lines then {why!r}")
        still_serves(server, [s, w], f"after a client's connection ended ({how}) mid-broadcast")
    finally:
        close_all([s, w, v])


@pytest.mark.req("CHAT-012")
@pytest.mark.parametrize("how", ["rst", "fin"])
def test_several_end_while_server_is_busy(launcher, report, how):
    """Four clients go (RST, or FIN) while the server is frozen, and a
    message arrives behind them: when it wakes up it finds all of that at
    once, and must not write to a dead connection in a way that kills it
    (SIGPIPE) or stop a broadcast half-way."""
    server = launcher.start()
    victims = joined(server.addr, "v1", "v2")
    ws = joined(server.addr, "w1", "w2")
    victims += joined(server.addr, "v3", "v4")
    everyone = victims + ws
    # Everyone reads what it was sent, so a close sends FIN, not RST.
    for v in victims[:2]:
        for n in ("w1", "w2", "v3", "v4"):
            v.expect(f"JOIN {n}")
    for w in ws:
        for n in ("v3", "v4"):
            w.expect(f"JOIN {n}")
    sender = ws[0]
    try:
        with frozen(server):
            for v in victims:
                v.reset() if how == "rst" else v.close()
            sender.send_raw(b"one\ntwo\nthree\n")
        want = {b"LEAVE %s closed" % v.nick.encode() for v in victims}
        for w in ws:
            msgs = [b"MSG w1 one", b"MSG w1 two", b"MSG w1 three"] if w is not sender else []

            def done(c, want=want, msgs=msgs):
                return want <= set(c.got) and all(m in c.got for m in msgs)
            bad = gather([w], done, timeout=T(30))
            if bad:
                dead = "" if server.alive() else " The server process is gone."
                missing = sorted((want | set(msgs)) - set(w.got))
                raise AssertionError(
                    f"{w.name} missed {', '.join(repr(m) for m in missing)} after four clients "
                    f"left ({how}) at once while w1 sent three lines.{dead}\n" + w.context()
                    + "\n" + server.stderr_block())
        still_serves(server, ws, f"after four clients left at once ({how})")
    finally:
        close_all(everyone)
