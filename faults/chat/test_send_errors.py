"""CHAT-016: sending to one client fails (real resets; EPIPE and ECONNRESET
injected with libfiu's runtime control through our shim's osnet/net/send)."""
import pytest

from chat.chatclient import Client, close_all, gather, joined
from chat.chatfaults import chat_round
from chat.freeze import frozen
from inject import Fiu
from osnet_harness.timeouts import T


@pytest.mark.req("CHAT-016")
def test_real_resets_mid_broadcast(launcher):
    """Three clients that never read (4 KiB receive buffers) hold output the
    server is still sending them; they reset while the server is frozen, and
    two more lines arrive behind them. The others miss nothing."""
    s = launcher.start()
    (sender,) = joined(s.addr, "sender")
    victims = []
    for i in range(3):
        v = Client(s.addr, name=f"client 'v{i}' (never reads)", rcvbuf=4096).join(f"v{i}")
        victims.append(v)
        sender.expect(f"JOIN v{i}")
    # The watcher joins last: a server that walks its clients in joining
    # order meets the dead ones before it.
    w = Client(s.addr, name="client 'watcher'").join("watcher")
    sender.expect("JOIN watcher")
    try:
        line = b"z" * 900
        n = 100
        sender.send_raw(b"".join(b"%03d " % i + line + b"\n" for i in range(n)))
        last = b"MSG sender %03d " % (n - 1) + line
        assert not gather([w], lambda c: bool(c.got) and c.got[-1] == last, timeout=T(30)), \
            "the watcher did not receive the burst: " + w.context()
        with frozen(s):
            for v in victims:
                v.reset()
            sender.send_raw(b"after1\nafter2\n")
        want = {b"MSG sender after1", b"MSG sender after2"}

        def leave_lines(c):
            out = {}
            for l in c.got:
                if l.startswith(b"LEAVE v"):
                    out.setdefault(l.split(b" ")[1], []).append(l)
            return out

        def done(c):
            return want <= set(c.got) and len(leave_lines(c)) == 3
        bad = gather([w], done, timeout=T(30))
        leaves = leave_lines(w)
        if bad or any(len(x) != 1 for x in leaves.values()):
            dead = "" if s.alive() else " The server process is gone."
            raise AssertionError(f"after three clients with output pending reset at once, the "
                                 f"watcher should get one LEAVE for each (closed, or slow if they "
                                 f"were kicked first) and both later messages.{dead}\n"
                                 f"LEAVE lines: {leaves}\n" + w.context() + "\n" + s.stderr_block())
        for ls in leaves.values():
            assert ls[0].endswith(b" closed") or ls[0].endswith(b" slow"), ls
        chat_round(s, "after clients reset while the server was sending to them")
    finally:
        close_all([sender, w] + victims)


@pytest.mark.req("CHAT-016")
@pytest.mark.parametrize("err", [32, 104], ids=["EPIPE", "ECONNRESET"])
def test_injected_send_failure_drops_one_client(launcher, workdir, err):
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap())
    ctl = fiu.control(s.pid).wait()
    cs = joined(s.addr, "sender", "w1", "w2", "w3", "w4")
    sender, ws = cs[0], cs[1:]
    try:
        # The next send on a socket (one recipient of this broadcast) fails, once.
        ctl.command(f"enable name=osnet/net/send,failinfo={err},onetime")
        sender.send("first")
        sender.send("second")
        # One recipient was dropped: it reads end-of-file; the others get
        # both messages and its LEAVE, and nothing else.
        victims = []
        for w in ws:
            lines, why = [], None
            while True:
                l = w.read_line(T(15))
                if l is None:
                    why = w.last_why
                    break
                lines.append(l)
                if l == b"MSG sender second":
                    break
            if why is not None:
                victims.append((w, lines, why))
        if not fiu.fired():
            pytest.skip("no send or write on a socket went through libc (sendmsg, writev, "
                        "io_uring or raw system calls), so the shim could not fail one")
        assert len(victims) == 1 and victims[0][2] == "eof", (
            f"one send failed with errno {err}: exactly that recipient should be dropped "
            f"(its connection closed), got: "
            + "; ".join(f"{v.nick} read {ls} then {why}" for v, ls, why in victims)
            + ("none was dropped" if not victims else "") + "\n" + s.stderr_block())
        gone = victims[0][0]
        leave = f"LEAVE {gone.nick} closed".encode()
        for w in ws:
            if w is gone:
                continue
            if leave not in w.got:
                # The LEAVE follows the line whose send failed, which may be
                # the second one (both lines read at once, one send each).
                w.wait_for(leave, what=f"a send to {gone.nick} failed with errno {err}",
                           skip=lambda l: False, timeout=T(15))
            got = [l for l in w.got if not l.startswith(b"WELCOME") and not l.startswith(b"JOIN")]
            want = {b"MSG sender first", b"MSG sender second", leave}
            assert set(got) == want and len(got) == 3, (
                f"{w.nick} should get both messages and 'LEAVE {gone.nick} closed' once each "
                f"after a send to {gone.nick} failed with errno {err}; got {got}")
        sender.wait_for(f"LEAVE {gone.nick} closed", what="the sender hears of the drop too")
        chat_round(s, f"after a send failed with errno {err}")
    finally:
        close_all(cs)
