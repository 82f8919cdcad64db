"""GREP-030..033 (and GREP-017 under injection): a read error in the middle
of a file, files that cannot be opened among readable ones, a full disk
on stdout, and a reader that goes away.

Injection is strace's (`-P FILE`: only the calls on that file fail). Each
test checks that strace tampered with the program's calls before judging
what the program did, and skips, saying why, when it did not (a program
that mmaps its input never calls read)."""
import pytest

from osnet_harness import textcorpus
from osnet_harness.textcorpus import compare
from osnet_harness.timeouts import T
from textfaults import gnu_on_cut_copy, open_denied_diffs, run_with_read_error

GOOD = ["a.txt", "b.txt", "c.txt", "one.txt"]


def _check(req, what, got, exp, diffs, extra=""):
    textcorpus.fail_on_diffs("grep", req, what, got, exp, diffs, extra)


@pytest.mark.req("GREP-030")
def test_read_error_mid_file(cli, workdir):
    files = textcorpus.fault_files(workdir, GOOD)
    big = files / "big.txt"
    size = big.stat().st_size
    for args in (["line 1"], ["-n", "hello"], ["-c", "hello"], ["-h", "-n", "line 2"]):
        operands = ["a.txt", "big.txt", "c.txt"]
        got, st, when, k = run_with_read_error(cli, workdir, files, args, operands)
        # What GNU grep writes for the same files, big.txt cut after the
        # last newline in the bytes the program had read.
        exp = gnu_on_cut_copy("grep", workdir, files, args, operands, "big.txt",
                              lambda data: data[:data.rfind(b"\n", 0, k) + 1])
        exp.status = 2
        exp.stderr = b"grep: big.txt: Input/output error\n"
        diffs = compare("grep", got, exp, drop_strace=True)
        _check(
            "GREP-030", f"read() #{when} of big.txt failed with EIO after {k} of its {size} "
            f"bytes had been read", got, exp, diffs,
            f"expected: GNU grep's output for big.txt cut after its last newline before byte "
            f"{k}, the message, then c.txt; the strace log: {st.log}")


@pytest.mark.req("GREP-031", "GREP-017")
def test_unreadable_and_missing_among_good(cli, workdir):
    files = textcorpus.fault_files(workdir, GOOD)
    for args in (["hello", "a.txt", "b.txt", "c.txt"],
                 ["-n", "hello", "a.txt", "nope.txt", "b.txt", "c.txt"],
                 ["-c", "hello", "b.txt", "a.txt", "nope.txt"],
                 ["-l", "hello", "a.txt", "b.txt", "c.txt"],
                 ["-q", "hello", "b.txt", "a.txt"],
                 ["-q", "zzz", "b.txt", "a.txt"],
                 ["hello", "b.txt"]):
        got, exp, diffs = open_denied_diffs("grep", cli, workdir, files, args)
        _check("GREP-031", "opening b.txt failed with EACCES (injected)", got, exp, diffs)


@pytest.mark.req("GREP-032")
def test_write_error_dev_full(cli, corpus):
    for args in (["hello", "a.txt"], ["-n", "", "many.txt"], ["-c", "hello", "a.txt", "b.txt"],
                 ["-l", "hello", "a.txt"], ["-r", "hello", "tree"], ["-q", "hello", "a.txt"],
                 ["zzz", "a.txt"]):
        got = cli.run(args, cwd=corpus.root, stdout="/dev/full", timeout=T(30))
        diffs, exp = textcorpus.write_error_diffs("grep", got, args, corpus.root)
        _check("GREP-032", "stdout is /dev/full (every write: ENOSPC)", got, exp, diffs)


@pytest.mark.req("GREP-033")
def test_reader_goes_away(cli):
    """`grep ... | head -1`: the program must end, quietly, once its reader
    has closed the pipe, whether its input is a large file or never ends."""
    files = textcorpus.big_text_dir(copies=40)  # about 24 MB, shared by the process
    cases = [(["line", "big.txt"], None, None), (["-n", "", "big.txt", "big.txt"], None, None),
             (["hello"], b"say hello\n", "an endless standard input"),
             (["-c", "line", "big.txt", "big.txt", "big.txt"], None, None)]
    textcorpus.check_reader_goes_away(cli, "GREP-033", cases, files)
