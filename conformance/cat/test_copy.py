"""CAT-003..005: the exact concatenation, standard input and `-`, sizes and
read boundaries (1 MB and 100 MB lines, a pipe delivering small pieces).
Every case runs the program and GNU cat 9.1 and compares them."""
import random

import pytest

from osnet_harness import textcorpus
from osnet_harness.textcorpus import GNU_NAME, compare, repro, run_gnu
from osnet_harness.timeouts import T

@pytest.mark.req("CAT-003")
def test_exact_concatenation(differ, corpus):
    names = corpus.text + ["bin.dat", "many.txt", "with space.txt", "filelink.txt"]
    cases = [[n] for n in names]
    rng = random.Random(3)
    for _ in range(20):
        cases.append(rng.sample(names, rng.randrange(2, 6)))
    cases += [["empty.txt"], ["empty.txt", "empty.txt"], ["nonl.txt", "nonl.txt", "nonl2.txt"],
              ["bin.dat", "high.txt", "bin.dat"], ["cr-end.txt", "lf-start.txt"]]
    differ.check("CAT-003", cases)
    # The oracle is right about what cat does: the output is the bytes.
    exp = run_gnu("cat", ["bin.dat", "nonl.txt", "high.txt"], corpus.root)
    f = corpus.files
    assert exp.stdout == f["bin.dat"] + f["nonl.txt"] + f["high.txt"]


@pytest.mark.req("CAT-004")
def test_standard_input(differ, corpus):
    data = corpus.files["nonl.txt"]
    a = str(corpus.path("a.txt"))
    differ.check("CAT-004", [
        ([], data), (["-"], data), (["-", "-"], data), (["a.txt", "-", "b.txt", "-"], data),
        (["-n", "-", "nonl2.txt", "-"], data), (["-"], b""), ([], corpus.files["bin.dat"]),
        (["-E", "-"], b"a\r\nb"), ([], a), (["-", "-"], a), (["-n", "-", "one.txt", "-"], a),
        (["-b", "-", "-", "nonl.txt"], a), (["--", "-"], data),
    ])


@pytest.mark.req("CAT-005")
def test_sizes_and_boundaries(differ):
    cases = []
    for flags in ([], ["-n"], ["-b"], ["-E"], ["-T"], ["-s"], ["-nET"]):
        cases += [flags + ["long.txt"], flags + ["bounds.txt"], flags + ["many.txt", "long.txt"],
                  flags + ["nonl.txt", "long.txt", "nonl.txt"]]
    differ.check("CAT-005", cases)


@pytest.mark.req("CAT-005")
def test_100mb_line(cli, corpus):
    big = textcorpus.big_line_file()
    for args in ([str(big)], ["-nE", str(big), "nonl.txt"]):
        got = cli.run(args, cwd=corpus.root, timeout=T(120))
        exp = run_gnu("cat", args, corpus.root, timeout=T(120))
        diffs = compare("cat", got, exp)
        assert not diffs, (f"CAT-005: a line of 100 MB:\n  reproduce: {repro(got)}\n  "
                           f"{GNU_NAME['cat']}: {exp.repro()}\n" + "\n".join(diffs))


@pytest.mark.req("CAT-005")
def test_pipe_in_small_pieces(cli, corpus):
    """Standard input through a pipe that delivers it in pieces of 1 to
    3000 bytes, cut inside lines, between a CR and its LF, and inside runs
    of empty lines."""
    data = (corpus.files["blanklines.txt"] + corpus.files["crlf.txt"] + b"\n" +
            corpus.files["many.txt"][:40000] + corpus.files["tabs.txt"] + b"\n\n\n\r\n" +
            corpus.files["nonl.txt"])
    rng = random.Random(5)
    sizes = [rng.choice([1, 1, 2, 3, 5, 7, 64, 100, 511, 2999]) for _ in range(101)]
    textcorpus.check_pipe_in_pieces(cli, "cat", "CAT-005",
                                    ([], ["-n"], ["-b"], ["-s"], ["-E"], ["-nsET"]),
                                    data, sizes, corpus.root)
