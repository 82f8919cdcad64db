"""GUESS-011: games through a lossy relay (seeded: 20% dropped, 20% duplicated,
reordering within a window of 4, delays up to 50 ms) end in CORRECT, and the
server counts each distinct guess once, whatever the network did."""
import pathlib
import select
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from guess_util import Reply, request, udp_socket  # noqa: E402

from osnet_harness.plugin import build_dir  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402
from osnet_harness.udprelay import GUESS_011, UdpRelay  # noqa: E402

SEEDS = [1, 2, 3, 4, 5, 6]


def client_binary():
    path = build_dir() / "bin" / "guess-client"
    if not path.exists():
        pytest.fail(f"the reference client {path} is not built (make {path.relative_to(build_dir().parent)})",
                    pytrace=False)
    return path


@pytest.mark.req("GUESS-011")
def test_reference_client_through_relay(server, report):
    """The reference client plays one game per seed, each through its own
    relay, all at once."""
    binary = client_binary()
    relays, procs = [], []
    try:
        for seed in SEEDS:
            r = UdpRelay(server.addr, seed=seed, **GUESS_011).__enter__()
            relays.append(r)
            cmd = [str(binary), "--host", r.host, "--port", str(r.port), "--max", "100"]
            procs.append((seed, cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                                      stderr=subprocess.PIPE, text=True)))
        for (seed, cmd, p), r in zip(procs, relays):
            try:
                out, err = p.communicate(timeout=T(120))
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            report.repro(" ".join(cmd) + f"   # through the relay, seed {seed}")
            words = out.split()
            ctx = (f"\n  command: {' '.join(cmd)} (through the lossy relay, seed {seed})\n"
                   f"  client stdout: {out.strip()!r}\n  client stderr (tail): "
                   f"{err.strip()[-600:]!r}\n  {r.summary()}")
            assert p.returncode == 0 and len(words) == 5 and words[0] == "CORRECT", (
                f"the reference client did not end its game in CORRECT (exit status "
                f"{p.returncode}){ctx}")
            _, secret, tries, guesses, sent = words
            assert tries == guesses, (
                f"the server's try count in its CORRECT reply is {tries}, but the client made "
                f"{guesses} distinct guesses (in {sent} datagrams): retransmissions or "
                f"duplicates were counted{ctx}")
    finally:
        for r in relays:
            r.close()


def adversarial_game(addr, maximum, deadline):
    """A client that sends every request twice, and after each answer also
    re-sends its previous request (stale by then), through the relay, with
    retransmission on a short timer. Returns (result, log) where result is
    the final CORRECT reply and the number of distinct guesses."""
    s = udp_socket()
    log = []
    first = {}   # seq -> the first non-stale reply
    try:
        lo, hi, seq, prev = 1, maximum, 100, None
        guesses = 0
        while True:
            n = (lo + hi) // 2
            seq += 1
            guesses += 1
            req = request(seq, n)
            rep = None
            while rep is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no reply to {req!r} through the relay before the "
                                         f"deadline; log: {log[-12:]}")
                s.sendto(req, addr)
                s.sendto(req, addr)                # a deliberate duplicate
                log.append(f"sent {req!r} x2")
                until = time.monotonic() + 0.15
                while rep is None:
                    left = until - time.monotonic()
                    r, _, _ = select.select([s], [], [], max(0, left))
                    if not r:
                        break
                    raw = s.recv(1 << 16)
                    got = Reply(raw)
                    log.append(f"got {raw!r}")
                    assert got.valid, f"not a reply of the protocol: {raw!r}"
                    if got.kind == "ERR":
                        assert got.reason == "stale" and got.seq < seq, (
                            f"sent {req!r} (and older requests again); got {raw!r}: only "
                            f"ERR <older seq> stale is a right answer to a re-sent old request")
                        continue
                    if got.seq in first:
                        assert first[got.seq] == raw, (
                            f"two different replies for seq {got.seq}: {first[got.seq]!r} then "
                            f"{raw!r} (a retransmission was counted again)")
                        if got.seq != seq:
                            continue
                    first[got.seq] = raw
                    if got.seq == seq:
                        rep = got
            if prev is not None:
                s.sendto(prev, addr)                # stale by now
                log.append(f"sent stale {prev!r}")
            prev = req
            if rep.kind == "CORRECT":
                return rep, guesses, log
            if rep.kind == "HIGHER":
                lo = n + 1
            else:
                hi = n - 1
            assert lo <= hi, f"hints contradict each other; log: {log[-12:]}"
    finally:
        s.close()


@pytest.mark.req("GUESS-011")
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_duplicates_and_stale_through_relay(server, seed, report):
    report.repro(f"printf 'GUESS 101 50' | nc -u -w1 {server.host} {server.port}   "
                 f"# then the same again, and an older seq: see GUESS-003/004")
    with UdpRelay(server.addr, seed=seed, **GUESS_011) as relay:
        deadline = time.monotonic() + T(60)
        for game in range(2):
            rep, guesses, log = adversarial_game(relay.addr, 100, deadline)
            assert rep.tries == guesses, (
                f"game {game + 1}: every request sent twice and the previous one re-sent after "
                f"each answer, through the lossy relay; the CORRECT reply says {rep.tries} tries "
                f"for {guesses} distinct guesses: duplicates or stale requests were counted\n"
                f"  {relay.summary()}\n  last datagrams: {log[-10:]}")
