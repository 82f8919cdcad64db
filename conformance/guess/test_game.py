"""GUESS-002, -003, -004, -006: hints, retransmissions, stale requests, new games."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from guess_util import Player, repro, request  # noqa: E402

BIG = 1000000  # a secret this wide is almost never hit by accident


@pytest.mark.req("GUESS-002")
def test_binary_search_default_max(server):
    """Default --max 100: games by binary search from four sockets end in
    CORRECT within 8 guesses, hints consistent, one reply per request."""
    for i in range(4):
        with Player(server, f"client {i}") as p:
            p.play(100)
            p.no_more()


@pytest.mark.req("GUESS-002")
@pytest.mark.parametrize("maximum", [2, 1000, 1000000])
def test_binary_search_max(launcher, maximum):
    s = launcher.start(args=["--max", str(maximum)])
    with Player(s) as p:
        for _ in range(2):
            p.play(maximum)
        p.no_more()


@pytest.mark.req("GUESS-002")
def test_bounds_are_consistent(launcher):
    """Guessing 1 can only be HIGHER or CORRECT, guessing max only LOWER or
    CORRECT: the secret is within 1..max."""
    s = launcher.start(args=["--max", "1000"])
    with Player(s) as p:
        for n, ok in ((1, ("HIGHER", "CORRECT")), (1000, ("LOWER", "CORRECT"))):
            if p.won:
                break
            rep = p.guess(n)
            if rep.kind not in ok:
                p.fail(rep, f"{' or '.join(ok)} (the secret is in 1..1000)")


@pytest.mark.req("GUESS-003")
def test_retransmission_same_reply(launcher):
    s = launcher.start(args=["--max", str(BIG)])
    with Player(s) as p:
        first = p.guess(500000)
        for _ in range(3):
            p.send(request(p.seq, 500000))
            again = p.recv(f"{first.raw!r} again (a retransmission)")
            if again.raw != first.raw:
                p.fail(again, f"{first.raw!r} again, byte for byte: a retransmission is "
                              f"answered like the first and not counted")
        p.guess(250000)  # the count went up once only
        p.no_more()


@pytest.mark.req("GUESS-003")
def test_retransmission_burst(launcher):
    """The same request three times back to back: three equal replies."""
    s = launcher.start(args=["--max", str(BIG)])
    with Player(s) as p:
        p.guess(1)
        p.seq += 1
        want = p.expected_tries()
        for _ in range(3):
            p.send(request(p.seq, 700000))
        reps = [p.recv("one reply per copy") for _ in range(3)]
        if len({r.raw for r in reps}) != 1 or reps[0].tries != want or reps[0].kind == "ERR":
            raise AssertionError(
                f"sent {request(p.seq, 700000)!r} three times; expected three equal replies "
                f"HIGHER/LOWER/CORRECT {p.seq} {want}; got {[r.raw for r in reps]}\n"
                f"reproduce by hand: {repro(p.addr, p.sent)}")
        p.tries, p.won = want, reps[0].kind == "CORRECT"
        p.guess(3)
        p.no_more()


@pytest.mark.req("GUESS-003")
def test_retransmitted_winning_request(server):
    with Player(server) as p:
        secret, guesses = p.play(100)
        win = request(p.seq, secret)
        for _ in range(2):
            p.send(win)
            rep = p.recv(f"CORRECT {p.seq} {guesses} again")
            if rep.raw != b"CORRECT %d %d\n" % (p.seq, guesses):
                p.fail(rep, f"CORRECT {p.seq} {guesses} again, byte for byte (a retransmission "
                            f"of the winning request is not a new game)")
        p.no_more()


@pytest.mark.req("GUESS-004")
def test_stale_request(launcher):
    s = launcher.start(args=["--max", str(BIG)])
    with Player(s) as p:
        p.guess(400000, seq=5)
        p.guess(600000, seq=6)
        p.expect_err(request(5, 400000), [5], "stale")
        p.expect_err(request(3, 123), [3], "stale")
        p.expect_err(request(1, 999999), [1], "stale")
        p.guess(300000, seq=7)          # the stale ones were not counted
        p.expect_err(request(6, 600000), [6], "stale")
        p.no_more()


@pytest.mark.req("GUESS-004")
def test_stale_after_retransmission(launcher):
    """A stale request does not disturb the retransmission of the last one."""
    s = launcher.start(args=["--max", str(BIG)])
    with Player(s) as p:
        p.guess(10, seq=100)
        last = p.guess(20, seq=200)
        p.expect_err(request(150, 15), [150], "stale")
        p.send(request(200, 20))
        rep = p.recv(f"{last.raw!r} again")
        if rep.raw != last.raw:
            p.fail(rep, f"{last.raw!r} again (seq 200 is still the last one counted)")


@pytest.mark.req("GUESS-006")
def test_new_game_after_correct(server):
    with Player(server) as p:
        for game in range(3):
            p.play(100)   # each new game starts at try 1 (checked by guess())
        p.no_more()


@pytest.mark.req("GUESS-006")
def test_new_game_seq_jump(launcher):
    s = launcher.start(args=["--max", "2"])
    with Player(s) as p:
        p.play(2)
        rep = p.guess(1, seq=p.seq + 1000)
        assert rep.tries == 1


@pytest.mark.req("GUESS-006")
def test_new_game_new_secret(launcher):
    """Three games over 1..1000000 from one socket: a new game draws a new
    secret (three equal secrets by chance: one in 10^12)."""
    s = launcher.start(args=["--max", str(BIG)])
    with Player(s) as p:
        secrets = [p.play(BIG)[0] for _ in range(3)]
    assert len(set(secrets)) > 1, (f"three games in a row had the same secret {secrets[0]}: "
                                   f"after CORRECT a new game must draw a new secret")
