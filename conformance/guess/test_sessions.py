"""GUESS-005, -007, -008: sessions by address and port, idle expiry, LRU bound."""
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from guess_util import Player, request  # noqa: E402

from osnet_harness.timeouts import T, multiplier  # noqa: E402

BIG = 1000000


@pytest.mark.req("GUESS-005")
def test_two_sockets_two_games(launcher):
    """Two sockets on one host, requests interleaved, seqs overlapping: two
    independent try counts."""
    s = launcher.start(args=["--max", str(BIG)])
    with Player(s, "client A") as a, Player(s, "client B") as b:
        for k in range(1, 6):
            a.guess(100000 + k, seq=10 + k)
            b.guess(900000 - k, seq=k)
        b.guess(5, seq=100)
        a.guess(7, seq=16)


@pytest.mark.req("GUESS-005")
def test_interleaved_full_games(server):
    """Four sockets play whole games by binary search, one guess each in turn."""
    players = [Player(server, f"client {i}") for i in range(4)]
    try:
        bounds = [[1, 100] for _ in players]
        done = [False] * 4
        for _ in range(8):
            for i, p in enumerate(players):
                if done[i]:
                    continue
                lo, hi = bounds[i]
                n = (lo + hi) // 2
                rep = p.guess(n)
                if rep.kind == "CORRECT":
                    done[i] = True
                elif rep.kind == "HIGHER":
                    bounds[i][0] = n + 1
                else:
                    bounds[i][1] = n - 1
                if not done[i] and bounds[i][0] > bounds[i][1]:
                    raise AssertionError(f"{p.context()}: hints contradict each other while four "
                                         f"clients play at once (a shared secret?)")
        assert all(done), "not every interleaved game ended in CORRECT within 8 guesses"
    finally:
        for p in players:
            p.close()


def idle_seconds():
    return max(1, round(multiplier()))


@pytest.mark.req("GUESS-007")
def test_idle_session_forgotten(launcher):
    """With --idle I: a session asked again well within I keeps its game; one
    left alone for more than 2*I starts a new one."""
    idle = idle_seconds()
    s = launcher.start(args=["--max", str(BIG), "--idle", str(idle)])
    with Player(s, "client kept") as kept, Player(s, "client idle") as gone:
        kept.guess(1)
        gone.guess(2)
        t_gone = time.monotonic()
        # Within --idle: well before it, the game goes on.
        for _ in range(3):
            time.sleep(idle * 0.3)
            kept.guess(3 + kept.seq)
        # After twice --idle (and a margin), the idle session is forgotten.
        time.sleep(max(0.0, t_gone + 2 * idle + T(0.5) - time.monotonic()))
        rep = gone.guess(4, tries=1)
        assert rep.tries == 1


@pytest.mark.req("GUESS-007")
def test_not_forgotten_before_idle(launcher):
    """A client asking again 0.8*I after its previous request, three times,
    keeps one game all along. A new game is a failure only when the server
    cannot have seen a silence longer than I: from the send of the previous
    request to the reply of this one took at most I. Past that (a loaded
    machine) the try is inconclusive and made again."""
    idle = idle_seconds()
    s = launcher.start(args=["--max", str(BIG), "--idle", str(idle)])
    with Player(s) as p:
        sent_at = time.monotonic()
        p.guess(1)
        kept, tries = 0, 0
        while kept < 3:
            tries += 1
            if tries > 10:
                pytest.skip("the machine is too loaded: no exchange fitted within --idle")
            time.sleep(max(0.0, sent_at + 0.8 * idle - time.monotonic()))
            prev, sent_at = sent_at, time.monotonic()
            p.seq += 10
            want = p.expected_tries()
            p.send(request(p.seq, 3 + p.seq))
            what = f"HIGHER, LOWER or CORRECT {p.seq} {want}"
            rep = p.recv(what)
            span = time.monotonic() - prev
            if rep.kind in ("HIGHER", "LOWER", "CORRECT") and rep.seq == p.seq:
                if rep.tries == want:
                    p.tries, p.won = rep.tries, rep.kind == "CORRECT"
                    kept += 1
                    continue
                if rep.tries == 1 and span > idle:
                    p.tries, p.won = 1, rep.kind == "CORRECT"
                    continue
            p.fail(rep, f"{what}: asked again {span:.2f}s after the previous request (from its "
                        f"send to this reply), within --idle {idle}s, so the game goes on")


@pytest.mark.req("GUESS-008")
def test_lru_session_forgotten(launcher):
    """--max-sessions 4: with four sessions, a fifth client pushes out the
    least recently used one; the others keep their games."""
    s = launcher.start(args=["--max", str(BIG), "--max-sessions", "4"])
    ps = [Player(s, f"client {i}") for i in range(5)]
    try:
        for p in ps[:4]:
            p.guess(10)
        ps[0].guess(20)          # client 1 is now the least recently used
        ps[4].guess(30)          # a fifth client arrives: client 1 goes
        for i in (0, 2, 3, 4):   # the others keep their games
            ps[i].guess(40)
        rep = ps[1].guess(50, tries=1)  # client 1 starts afresh
        assert rep.tries == 1
    finally:
        for p in ps:
            p.close()


@pytest.mark.req("GUESS-008")
def test_bound_holds_over_many_clients(launcher):
    """--max-sessions 8 and 40 clients in turn, one of them playing all along
    (so it is never the least recently used): that one keeps its game, and
    the first clients, long unused, start new games."""
    s = launcher.start(args=["--max", str(BIG), "--max-sessions", "8"])
    keeper = Player(s, "the active client")
    others = [Player(s, f"client {i}") for i in range(40)]
    try:
        keeper.guess(1)
        for i, p in enumerate(others):
            p.guess(100 + i)
            keeper.guess(1000 + i)
        for p in others[:8]:
            rep = p.guess(7, tries=1)
            assert rep.tries == 1
    finally:
        keeper.close()
        for p in others:
            p.close()
