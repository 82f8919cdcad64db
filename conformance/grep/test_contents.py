"""GREP-022..026: binary files, a last line without newline, CRLF and
bytes 0x80-0xFF, lines of any length (1 MB, 100 MB), and input split at
any offset."""
import os
import random

import pytest

from osnet_harness import textcorpus
from osnet_harness.textcorpus import GNU_NAME, compare, repro, run_gnu
from osnet_harness.timeouts import T

B = os.fsdecode


@pytest.mark.req("GREP-022")
def test_binary_file(differ, corpus):
    # No -v and no empty pattern on binary files (specs/grep.md, "Binary files").
    binary = corpus.files["bin.dat"]
    differ.check("GREP-022", [
        ["hello", "bin.dat"], ["Hello", "bin.dat"], ["needle", "bin.dat"], ["tail", "bin.dat"],
        ["world", "bin.dat"], ["zzz", "bin.dat"], ["hello", "bin-nomatch.dat"],
        ["hello", "bin.dat", "a.txt"], ["hello", "a.txt", "bin.dat", "one.txt"],
        ["-n", "needle", "bin.dat"], ["-i", "HELLO", "bin.dat"], ["-H", "hello", "bin.dat"],
        ["-h", "hello", "bin.dat", "a.txt"], ["-c", "hello", "bin.dat"],
        ["-c", "needle", "bin.dat", "a.txt"], ["-c", "zero", "bin.dat"],
        ["-l", "hello", "bin.dat", "a.txt", "bin-nomatch.dat"], ["-l", "tail", "bin.dat"],
        ["-q", "hello", "bin.dat"], ["-q", "zzz", "bin.dat"], ["-e", "zzz", "-e", "def", "bin.dat"],
        ["-F", "world", "bin.dat"], ["hello", "bin.dat", "nope.txt"],
        (["hello"], binary), (["-c", "def"], binary), (["hello", "-", "one.txt"], binary),
        (["hello"], b"\0hello\n"), (["hello"], b"hello\n\0"), (["hello"], b"hello\0"),
    ])


@pytest.mark.req("GREP-023")
def test_last_line_without_newline(differ):
    cases = []
    for flags in ([], ["-n"], ["-c"], ["-v"], ["-l"], ["-i"]):
        cases += [flags + ["world", "nonl.txt"], flags + ["hello", "nonl.txt"],
                  flags + ["world", "nonl.txt", "nonl2.txt"],
                  flags + ["deep", "tree/sub/deeper/nonl.txt"],
                  flags + ["last", "nonl.txt", "a.txt"], flags + ["", "nonl.txt"],
                  flags + ["line", "cr-end.txt"]]
        cases += [(flags + ["hello"], b"no newline hello"), (flags + ["x"], b"a\nb\nx"),
                  (flags + ["hello"], b"hello\nno"), (flags + ["a"], b"a")]
    differ.check("GREP-023", cases)


@pytest.mark.req("GREP-024")
def test_crlf_and_high_bytes(differ):
    crlf = ["hello", "world", "there\r", "end\r", "\r", "o\r", "Hello there", "zzz"]
    cases = []
    for p in crlf:
        cases += [[p, "crlf.txt"], ["-c", p, "crlf.txt"], ["-vn", p, "crlf.txt"],
                  ["-i", p, "crlf.txt", "a.txt"]]
    high = [b"\xc9t\xe9", b"\xff\xfe", b"\xc3 utf8", b"\x80hello\xff", b"invalid",
            b"\xe0\x80", b"\x01\x02\x03", b"\x7f\x80\x81", b"\xfd\xfe\xff", b"\xe9", b"\xc3",
            b"\r", b"caf\xc3\xa9", b"\x1b"]
    for p in high:
        cases += [[B(p), "high.txt"], ["-n", B(p), "high.txt", "a.txt"],
                  ["-c", B(p), "high.txt"], ["-vi", B(p), "high.txt"]]
    cases += [([B(b"\xe9")], b"\xe9\n\xc9\n"), ([B(b"\xff")], b"\xff\xff\n\xfe\n"),
              (["-c", "x"], bytes(range(1, 256)).replace(b"\n", b"x\n") * 3)]
    differ.check("GREP-024", cases)


@pytest.mark.req("GREP-025")
def test_long_lines(differ):
    cases = []
    for flags in ([], ["-n"], ["-c"], ["-v"], ["-i"], ["-l"]):
        cases += [flags + ["hello", "long.txt"], flags + ["needle", "long.txt"],
                  flags + ["short", "long.txt", "a.txt"], flags + ["zzz", "long.txt"],
                  flags + ["c", "long.txt"]]
    differ.check("GREP-025", cases)


@pytest.mark.req("GREP-025")
def test_100mb_line(cli, corpus):
    big = textcorpus.big_line_file()
    for args in (["needle", str(big)], ["-n", "tail", str(big)], ["-c", "abc", str(big)]):
        got = cli.run(args, cwd=corpus.root, timeout=T(120))
        exp = run_gnu("grep", args, corpus.root, timeout=T(120))
        diffs = compare("grep", got, exp)
        assert not diffs, (f"GREP-025: a line of 100 MB ({big.stat().st_size} bytes in the "
                           f"file):\n  reproduce: {repro(got)}\n  {GNU_NAME['grep']}: "
                           f"{exp.repro()}\n" + "\n".join(diffs))


@pytest.mark.req("GREP-026")
def test_read_boundaries(differ):
    cases = []
    for flags in ([], ["-n"], ["-c"], ["-v"], ["-vn"]):
        cases += [flags + ["needle", "bounds.txt"], flags + ["hello", "bounds.txt"],
                  flags + ["starts", "bounds.txt"], flags + ["after", "bounds.txt"],
                  flags + ["line 3999", "many.txt"],
                  flags + ["-e", "needle", "-e", "after", "bounds.txt"]]
    differ.check("GREP-026", cases)


@pytest.mark.req("GREP-026")
def test_pipe_in_small_pieces(cli, corpus):
    """The same lines through a pipe that delivers them in pieces of 1 to
    3000 bytes, cut inside lines and inside matches."""
    data = corpus.files["many.txt"][:60000] + corpus.files["a.txt"] + b"last hello"
    rng = random.Random(26)
    sizes = [rng.choice([1, 2, 3, 5, 7, 64, 100, 511, 1000, 2999]) for _ in range(97)]
    textcorpus.check_pipe_in_pieces(cli, "grep", "GREP-026",
                                    (["hello"], ["-n", "hello"], ["-c", "line"], ["-vn", "hello"],
                                     ["-n", "line 39"]),
                                    data, sizes, corpus.root)
