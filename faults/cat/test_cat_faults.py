"""CAT-020..023 (and CAT-013 under injection): a read error in the middle
of a file, files that cannot be opened among readable ones, a full disk
on stdout, and a reader that goes away.

Injection is strace's (`-P FILE`: only the calls on that file fail). Each
test checks that strace tampered with the program's calls before judging
what the program did, and skips, saying why, when it did not (a program
that mmaps its input, or copies it with copy_file_range or sendfile,
never calls read on it)."""
import pytest

from osnet_harness import textcorpus
from osnet_harness.textcorpus import compare
from osnet_harness.timeouts import T
from textfaults import gnu_on_cut_copy, open_denied_diffs, run_with_read_error

GOOD = ["a.txt", "b.txt", "nonl.txt", "nonl2.txt", "blanklines.txt", "one.txt"]


def _check(req, what, got, exp, diffs, extra=""):
    textcorpus.fail_on_diffs("cat", req, what, got, exp, diffs, extra)


@pytest.mark.req("CAT-020")
def test_read_error_mid_file(cli, workdir):
    files = textcorpus.fault_files(workdir, GOOD)
    big = files / "big.txt"
    size = big.stat().st_size
    for args in ([], ["-n"], ["-b"], ["-sE"]):
        operands = ["a.txt", "big.txt", "nonl2.txt"]
        got, st, when, k = run_with_read_error(cli, workdir, files, args, operands)
        # What GNU cat writes for the same files, big.txt cut after the
        # bytes the program had read.
        exp = gnu_on_cut_copy("cat", workdir, files, args, operands, "big.txt",
                              lambda data: data[:k])
        exp.status = 1
        exp.stderr = b"cat: big.txt: Input/output error\n"
        diffs = compare("cat", got, exp, drop_strace=True)
        _check("CAT-020", f"read() #{when} of big.txt failed with EIO after {k} of its {size} "
               f"bytes had been read", got, exp, diffs,
               f"expected: GNU cat's output for the first {k} bytes of big.txt, the message, "
               f"then nonl2.txt; the strace log: {st.log}")


@pytest.mark.req("CAT-021", "CAT-013")
def test_unreadable_and_missing_among_good(cli, workdir):
    files = textcorpus.fault_files(workdir, GOOD)
    for args in (["a.txt", "b.txt", "one.txt"], ["-n", "nonl.txt", "b.txt", "nonl2.txt"],
                 ["-b", "a.txt", "nope.txt", "b.txt", "blanklines.txt"],
                 ["-s", "blanklines.txt", "b.txt", "blanklines.txt"], ["b.txt"]):
        got, exp, diffs = open_denied_diffs("cat", cli, workdir, files, args)
        _check("CAT-021", "opening b.txt failed with EACCES (injected)", got, exp, diffs)


@pytest.mark.req("CAT-022")
def test_write_error_dev_full(cli, corpus):
    for args in (["a.txt"], ["many.txt"], ["-n", "many.txt"], ["-sE", "blanklines.txt", "a.txt"],
                 ["a.txt", "nope.txt"], ["empty.txt"]):
        got = cli.run(args, cwd=corpus.root, stdout="/dev/full", timeout=T(30))
        diffs, exp = textcorpus.write_error_diffs("cat", got, args, corpus.root)
        _check("CAT-022", "stdout is /dev/full (every write: ENOSPC)", got, exp, diffs)


@pytest.mark.req("CAT-023")
def test_reader_goes_away(cli):
    """`cat big | head -1`: the program must end, quietly, once its reader
    has closed the pipe, whether its input is a large file or never ends."""
    files = textcorpus.big_text_dir(copies=40)  # about 24 MB, shared by the process
    cases = [(["big.txt"], None, None), (["-n", "big.txt", "big.txt"], None, None),
             ([], b"line\n", "an endless standard input"),
             (["-E", "-"], b"x\n", "an endless standard input")]
    textcorpus.check_reader_goes_away(cli, "CAT-023", cases, files)
