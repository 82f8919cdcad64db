"""GUESS-009: malformed datagrams and guesses out of range."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from guess_util import Player, request  # noqa: E402

# (datagram, the seqs an ERR ... malformed may name): the request's seq
# where it can be read, 0 where it cannot; both where the spec leaves room.
MALFORMED = [
    (b"", [0]),
    (b"\n", [0]),
    (bytes(range(256)), [0]),
    (b"\xff\xfe\x00GUESS 9 5", [0]),
    (b"HELLO 9 5", [0]),
    (b"guess 9 5", [0]),
    (b"GUESS", [0]),
    (b"GUESS ", [0]),
    (b"GUESS 9", [9, 0]),
    (b"GUESS 9 ", [9, 0]),
    (b"GUESS 9 5 6", [9, 0]),
    (b"GUESS 9 5 6\n", [9, 0]),
    (b"GUESS  9 5", [9, 0]),
    (b"GUESS 9  5", [9, 0]),
    (b"GUESS 9 5\n\n", [9, 0]),
    (b"GUESS 9 5\r\n", [9, 0]),
    (b"GUESS 9 -5", [9, 0]),
    (b"GUESS 9 +5", [9, 0]),
    (b"GUESS 9 5x", [9, 0]),
    (b"GUESS 9 0x10", [9, 0]),
    (b"GUESS 9 5.0", [9, 0]),
    (b"GUESS 9 99999999999999999999999999", [9, 0]),
    (b"GUESS -9 5", [0]),
    (b"GUESS +9 5", [0]),
    (b"GUESS 0 5", [0]),
    (b"GUESS 4294967296 5", [0]),
    (b"GUESS 99999999999999999999 5", [0]),
    (b"GUESS x 5", [0]),
    (b" GUESS 9 5", [0]),
    (b"GUESS 9 " + b"5" * (65507 - 8), [9, 0]),
    (b"A" * 65507, [0]),
]


# An n of more digits than any integer type holds is both "a number out of
# range" (malformed) and "a guess outside 1..--max" (range) in the spec's
# words: a program with big integers (Python) says range, one with 64-bit
# integers malformed. Either is right; a hint or no reply is not.
N_TOO_BIG = {b"GUESS 9 99999999999999999999999999", b"GUESS 9 " + b"5" * (65507 - 8)}


@pytest.mark.req("GUESS-009")
def test_malformed_datagrams(launcher):
    s = launcher.start(args=["--max", "1000000"])
    with Player(s) as p:
        p.guess(1, seq=1)
        for data, seqs in MALFORMED:
            p.expect_err(data, seqs, ("malformed", "range") if data in N_TOO_BIG else "malformed")
        p.no_more()
        # No session changed: the game goes on at try 2 with seq 2.
        p.guess(2, seq=2)
    with Player(s, "a new client") as q:
        q.guess(3)


@pytest.mark.req("GUESS-009")
def test_malformed_first(launcher):
    """Malformed datagrams from a client with no session create none that
    matters: its first real guess is try 1, with any seq."""
    s = launcher.start(args=["--max", "1000000"])
    with Player(s) as p:
        for data, seqs in MALFORMED[:12]:
            p.expect_err(data, seqs, "malformed")
        p.guess(5, seq=1, tries=1)


@pytest.mark.req("GUESS-009")
def test_out_of_range(launcher):
    s = launcher.start(args=["--max", "100"])
    with Player(s) as p:
        p.guess(50, seq=1)
        p.expect_err(request(2, 0), [2], "range")
        p.expect_err(request(3, 101), [3], "range")
        p.expect_err(request(4, 1000000), [4], "range")
        p.guess(25, seq=5)  # try 2 (or 1 after a CORRECT): the range errors were not counted
        p.no_more()
