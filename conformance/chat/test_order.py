"""CHAT-008: one order for everyone."""
import threading

import pytest

from chat.chatclient import Client, close_all, gather, joined, show
from osnet_harness.timeouts import T

SENDERS = 4
PER_SENDER = 300
BURST = 5  # lines per write: a server that handles them out of order shows it


def common_order_mismatch(a, b):
    """None, or a description of two lines a and b both received in another order."""
    sa, sb = set(a), set(b)
    fa = [l for l in a if l in sb]
    fb = [l for l in b if l in sa]
    for i, (x, y) in enumerate(zip(fa, fb)):
        if x != y:
            return i, x, y
    return None


@pytest.mark.req("CHAT-008")
def test_concurrent_senders_one_order(server, report):
    nicks = [f"s{i}" for i in range(SENDERS)]
    senders = joined(server.addr, *nicks)
    readers = joined(server.addr, "r0", "r1", "r2")
    for s in senders:
        for r in ("r0", "r1", "r2"):
            s.expect(f"JOIN {r}")
    everyone = senders + readers
    errors = []

    def send_all(c, k):
        try:
            lines = [b"MSG-%d-%04d" % (k, j) for j in range(PER_SENDER)]
            for j in range(0, PER_SENDER, BURST):
                c.send_raw(b"".join(l + b"\n" for l in lines[j:j + BURST]))
            if k == 0:
                c.send("/nick s0b")  # a notice in the middle of the traffic
        except OSError as e:
            errors.append(f"sender {c.nick}: {e}")

    threads = [threading.Thread(target=send_all, args=(c, k), daemon=True)
               for k, c in enumerate(senders)]
    late = None
    try:
        for t in threads:
            t.start()
        late = Client(server.addr, name="client 'late' (joins during the traffic)").join("late")
        for t in threads:
            t.join(T(30))
        assert not errors, "; ".join(errors)

        want = {c: (PER_SENDER * (SENDERS - 1) if c in senders else PER_SENDER * SENDERS)
                for c in everyone}

        def done(c):
            got = sum(1 for l in c.got if l.startswith(b"MSG ") and b" MSG-" in l)
            return got >= want[c] and any(l.startswith(b"NICK ") for l in c.got)
        late_sender = senders[1]
        late_sender.send("last")  # the late client at least sees this one
        stuck = gather(everyone, done, timeout=T(60))
        assert not stuck, ("these clients did not receive every message of the other senders "
                           "(and the NICK notice):\n" + "\n".join(
                               f"  {c.name}: {sum(1 for l in c.got if l.startswith(b'MSG '))} MSG "
                               f"of {want[c]}, ended: {c.eof or 'no'}" for c in stuck))
        assert not gather([late], lambda c: b"MSG s1 last" in c.got, timeout=T(30)), (
            f"{late.name} never received 'MSG s1 last', sent after the traffic "
            f"(ended: {late.eof or 'no'})\n" + late.context())
        # Per-sender FIFO, exactly once.
        for c in everyone + [late]:
            per = {}
            for l in c.got:
                if l.startswith(b"MSG "):
                    _, who, text = l.split(b" ", 2)
                    if text.startswith(b"MSG-"):
                        per.setdefault(text[4:5], []).append(int(text[6:]))
            for k, seq in per.items():
                if c is late:
                    ok = seq == list(range(seq[0], seq[0] + len(seq))) if seq else True
                else:
                    ok = seq == list(range(PER_SENDER))
                if not ok:
                    bad = next((i for i in range(1, len(seq)) if seq[i] != seq[i - 1] + 1), 0)
                    raise AssertionError(
                        f"{c.name}: the messages of sender s{k.decode()} arrived out of order or not "
                        f"exactly once (sent MSG-{k.decode()}-0000..{PER_SENDER - 1:04d} in bursts of "
                        f"{BURST} lines per write): around position {bad} got "
                        f"{seq[max(0, bad - 3):bad + 3]}")
        # The same relative order of every common line (MSG, JOIN, NICK).
        ref = readers[0]
        for c in everyone[:-1] + readers[1:] + [late]:
            if c is ref:
                continue
            m = common_order_mismatch(ref.got, c.got)
            if m:
                i, x, y = m
                raise AssertionError(
                    f"{ref.name} and {c.name} received the lines they both got in different "
                    f"orders: at common position {i}, {ref.name} has {show(x)} where {c.name} has "
                    f"{show(y)}")
    finally:
        close_all(everyone + ([late] if late else []))
