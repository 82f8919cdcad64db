"""GREP-010..015: line numbers, file name prefixes, -c, -l, -q and the exit
status."""
import os
import threading

import pytest

from osnet_harness.textcorpus import feed_up_to, repro
from osnet_harness.timeouts import T


@pytest.mark.req("GREP-010")
def test_line_numbers_restart_per_file(differ):
    cases = []
    for f in (["a.txt"], ["a.txt", "b.txt", "c.txt"], ["nonl.txt", "a.txt"],
              ["crlf.txt", "blanklines.txt"], ["many.txt"], ["empty.txt", "one.txt", "one.txt"]):
        cases += [["-n", "hello"] + f, ["-nv", "hello"] + f, ["-ni", "hello"] + f,
                  ["-nh", "hello"] + f, ["-nH", "o"] + f, ["-n", ""] + f]
    cases += [(["-n", "hello", "-", "a.txt"], b"x\nhello\n"),
              (["-n", "hello", "a.txt", "-"], b"hello\nx\nhello"),
              (["-n", "line 3"], b"line 1\nline 2\nline 3\n")]
    differ.check("GREP-010", cases)


@pytest.mark.req("GREP-011")
def test_file_name_prefix(differ):
    cases = [
        ["hello", "a.txt"], ["hello", "a.txt", "b.txt"], ["hello", "one.txt", "one.txt"],
        ["-H", "hello", "a.txt"], ["-h", "hello", "a.txt", "b.txt"],
        ["-Hh", "hello", "a.txt", "b.txt"], ["-hH", "hello", "a.txt"],
        ["-H", "-h", "hello", "a.txt"], ["-h", "-H", "hello", "a.txt"],
        ["-c", "hello", "a.txt", "b.txt"], ["-ch", "hello", "a.txt", "b.txt"],
        ["-cH", "hello", "a.txt"], ["-n", "hello", "a.txt", "empty.txt"],
        ["hello", "with space.txt", "a.txt"], ["--", "hello", "-dash.txt"],
        ["--", "hello", "-dash.txt", "one.txt"], ["hello", "filelink.txt", "one.txt"],
        ["hello", "tree/top.txt", "tree/sub/deeper/two.txt"],
        (["hello"], b"hello\n"), (["-H", "hello"], b"hello\n"), (["hello", "-"], b"hello\n"),
        (["hello", "-", "one.txt"], b"hello\n"), (["-h", "hello", "-", "a.txt"], b"hello\n"),
        (["-Hn", "hello", "-"], b"x\nhello\n"),
        ["-r", "hello", "a.txt"], (["-r", "hello", "-"], b"hello\n"),
        ["-rH", "hello", "one.txt"], ["-rh", "hello", "tree/sub/deeper"],
    ]
    differ.check("GREP-011", cases)
    differ.check("GREP-011", [["-r", "hello", "tree"], ["-r", "hello", "tree/sub", "a.txt"]],
                 unordered=True)


@pytest.mark.req("GREP-012")
def test_count(differ):
    cases = []
    for f in (["a.txt"], ["a.txt", "b.txt"], ["empty.txt"], ["empty.txt", "one.txt"],
              ["nonl.txt", "crlf.txt", "many.txt"]):
        cases += [["-c", "hello"] + f, ["-c", "zzz"] + f, ["-cn", "hello"] + f,
                  ["-cv", "hello"] + f, ["-ci", "hello"] + f, ["-ch", "o"] + f,
                  ["-cH", "hello"] + f, ["-c", ""] + f, ["-c", "-e", "hello", "-e", "o"] + f]
    cases += [(["-c", "hello"], b"hello\nhello hello\n"), (["-c", "hello", "-", "one.txt"], b"")]
    differ.check("GREP-012", cases)


@pytest.mark.req("GREP-013")
def test_files_with_matches(differ):
    cases = []
    for f in (["a.txt"], ["a.txt", "b.txt", "empty.txt"], ["empty.txt"],
              ["one.txt", "one.txt"], ["nonl.txt", "many.txt", "crlf.txt"]):
        cases += [["-l", "hello"] + f, ["-l", "zzz"] + f, ["-lv", "hello"] + f,
                  ["-lc", "hello"] + f, ["-ln", "hello"] + f, ["-lh", "hello"] + f,
                  ["-lH", "o"] + f, ["-li", "HELLO"] + f, ["-l", ""] + f]
    cases += [(["-l", "hello"], b"hello\n"), (["-l", "hello", "-", "a.txt"], b"xhellox\n"),
              (["-l", "hello", "-"], b"nothing\n")]
    differ.check("GREP-013", cases)


@pytest.mark.req("GREP-014")
def test_quiet_stops_at_first_match(cli, corpus):
    """-q with 64 MiB of standard input whose every line is selected: the
    program must exit 0 on the first selected line, so the writer of its
    input is cut off (EPIPE) long before the end; a program that reads on
    to the end lets it write all 64 MiB."""
    limit = 64 << 20
    for args, line in ((["-q", "hello"], b"hello world\n"), (["-qv", "zzz"], b"abc\n"),
                       (["-qi", "HELLO"], b"say hello\n"), (["-q", "-e", "x", "-e", "o"], b"o\n")):
        r, w = os.pipe()
        written = [0]
        t = threading.Thread(target=feed_up_to, args=(w, line, limit, written), daemon=True)
        t.start()
        try:
            res = cli.run(args, stdin=r, cwd=corpus.root, timeout=T(60))
        finally:
            os.close(r)
        t.join(T(10))
        how = (f"\n  reproduce: yes {line.decode().strip()!r} | head -c {limit} | "
               f"{repro(res).rsplit(' < ', 1)[0]}")
        assert res.status == 0 and not res.stdout, (
            f"GREP-014: {args} with {limit >> 20} MiB of {line!r} lines on standard input: "
            f"{res.describe()}, stdout {res.stdout[:100]!r}; expected exit status 0 and "
            f"no output{how}")
        assert written[0] < limit, (
            f"GREP-014: {args} read all {limit >> 20} MiB of its standard input, every line "
            f"of which is selected: -q must stop at the first selected line{how}")


@pytest.mark.req("GREP-014")
def test_quiet_status_and_errors(differ):
    differ.check("GREP-014", [
        ["-q", "hello", "a.txt"], ["-q", "zzz", "a.txt"], ["-q", "hello", "empty.txt"],
        ["-q", "hello", "nope.txt", "a.txt"], ["-q", "hello", "a.txt", "nope.txt"],
        ["-q", "zzz", "a.txt", "nope.txt"], ["-q", "hello", "tree", "one.txt"],
        ["-q", "zzz", "tree", "one.txt"], ["-qc", "hello", "a.txt", "b.txt"],
        ["-ql", "hello", "nope.txt", "a.txt"], ["-qn", "hello", "b.txt"],
        ["-qv", "hello", "one.txt"], ["-qv", "hello", "nope.txt", "a.txt"],
        ["-q", "hello", "nope.txt", "other-nope.txt"], (["-q", "hello"], b"x\nhello\n"),
        (["-q", "hello", "nope.txt", "-"], b"hello\n"),
    ])


@pytest.mark.req("GREP-015")
def test_exit_status(differ):
    cases = []
    for flags in ([], ["-c"], ["-l"], ["-v"], ["-n"], ["-h"], ["-i"]):
        cases += [
            flags + ["hello", "a.txt"],                     # selected: 0
            flags + ["zzz", "a.txt"],                       # none: 1
            flags + ["hello", "a.txt", "nope.txt"],         # selected + error: 2
            flags + ["zzz", "nope.txt", "a.txt"],           # none + error: 2
            flags + ["hello", "empty.txt"],                 # empty file: 1
            flags + ["hello", "tree", "a.txt"],             # directory operand: 2
            flags + ["hello", "bin.dat", "nope.txt"],       # binary match + error: 2
        ]
    differ.check("GREP-015", cases)
