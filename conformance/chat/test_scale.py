"""CHAT-009: 500 clients joined at once."""
import resource

import pytest

from chat.chatclient import close_all, gather, many
from osnet_harness.timeouts import T

N = 500


@pytest.mark.req("CHAT-009")
def test_500_clients(server, report):
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit < N + 64:
        pytest.skip(f"this test process may open only {limit} descriptors (ulimit -Hn); "
                    f"{N} clients need {N + 64}: raise the hard limit to check this requirement")
    cs = many(server.addr, N, timeout=T(60))
    try:
        for i, c in enumerate(cs):
            c.nick = f"u{i:03d}"
            c.send(c.nick)
        # Each one's first line is its WELCOME (JOINs of later ones may follow).
        bad = gather(cs, lambda c: len(c.got) >= 1, timeout=T(60))
        wrong = [c for c in cs if not c.got or c.got[0] != f"WELCOME {c.nick}".encode()]
        if bad or wrong:
            c = (bad or wrong)[0]
            raise AssertionError(f"{len(set(bad) | set(wrong))} of {N} clients joining at once did "
                                 f"not get their WELCOME first; e.g. {c.name} sent {c.nick!r}, "
                                 f"got {c.got[:3]} (ended: {c.eof or 'no'})\n" + server.stderr_block())
        cs[0].send("hello everyone")
        msg = b"MSG u000 hello everyone"
        bad = gather(cs[1:], lambda c: bool(c.got) and c.got[-1] == msg, timeout=T(60))
        if bad:
            raise AssertionError(f"{len(bad)} of {N - 1} clients never received {msg!r} "
                                 f"(e.g. {bad[0].name}, {bad[0].nick}: ended {bad[0].eof or 'no'}, "
                                 f"last lines {bad[0].got[-3:]})\n" + server.stderr_block())
        # Each can still send: two of them must receive the N - 1 messages of the others.
        for c in cs:
            c.send(f"from {c.nick}")
        watchers = [cs[0], cs[N - 1]]

        count = {}

        def all_from_others(c):
            if c.got and c.got[-1].startswith(b"MSG u") and b" from u" in c.got[-1]:
                if c.got[-1] != getattr(c, "_last_counted", None):
                    c._last_counted = c.got[-1]
                    count[c] = count.get(c, 0) + 1
            return count.get(c, 0) >= N - 1
        bad = gather(watchers, all_from_others, timeout=T(60))
        for w in watchers:
            got = {l.split(b" ")[1] for l in w.got if l.startswith(b"MSG u") and b" from u" in l}
            missing = [c.nick for c in cs if c is not w and c.nick.encode() not in got]
            if missing:
                raise AssertionError(f"with {N} clients joined, {w.nick} got no message from "
                                     f"{len(missing)} of them (e.g. {missing[:5]}); each of them "
                                     f"sent one line\n" + server.stderr_block())
            mine = [l for l in w.got if l.startswith(b"MSG " + w.nick.encode() + b" ")]
            assert not mine, f"{w.nick} received its own message back: {mine[:1]}"
    finally:
        close_all(cs)
