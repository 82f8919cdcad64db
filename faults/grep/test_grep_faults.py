"""GREP-030..033 (and GREP-017 under injection): a read error in the middle
of a file, files that cannot be opened among readable ones, a full disk
on stdout, and a reader that goes away.

Injection is strace's (`-P FILE`: only the calls on that file fail). Each
test checks that strace tampered with the program's calls before judging
what the program did, and skips, saying why, when it did not (a program
that mmaps its input never calls read)."""
import shutil

import pytest

from inject import Strace
from osnet_harness import textcorpus
from osnet_harness.textcorpus import compare, repro, run_gnu
from osnet_harness.timeouts import T

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
        for when in (3, 2):
            st = Strace(textcorpus.strace_logdir(workdir), [f"read:error=EIO:when={when}"],
                        paths=[str(big)])
            got = cli.run(args + operands, cwd=files, wrap=st.wrap())
            if st.injected("read"):
                break
        else:
            pytest.skip(f"the program never called read() on big.txt ({size} bytes) a second "
                        f"or third time (it mmaps it, or reads with another call), so no "
                        f"read error could be injected: {repro(got)}")
        k = textcorpus.bytes_read_before_injection(st.log)
        assert k is not None, f"strace's log {st.log} shows no injected read"
        # What GNU grep writes for the same files, big.txt cut after the
        # last newline in the bytes the program had read.
        cut = workdir / "expected"
        shutil.rmtree(cut, ignore_errors=True)
        cut.mkdir()
        for n in operands:
            data = (files / n).read_bytes()
            if n == "big.txt":
                data = data[:data.rfind(b"\n", 0, k) + 1]
            (cut / n).write_bytes(data)
        exp = run_gnu("grep", args + operands, cut)
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
        st = Strace(textcorpus.strace_logdir(workdir), ["open,openat:error=EACCES"],
                    paths=["b.txt"])
        got = cli.run(args, cwd=files, wrap=st.wrap())
        if not st.injected():
            pytest.skip(f"the program never opened b.txt by its name with open/openat, so "
                        f"EACCES could not be injected: {repro(got)}")
        gst = Strace(textcorpus.strace_logdir(workdir, "strace-gnu"),
                     ["open,openat:error=EACCES"], paths=["b.txt"])
        exp = run_gnu("grep", args, files, wrap=gst.wrap())
        assert gst.injected(), "test bug: strace did not fail GNU grep's open of b.txt"
        diffs = compare("grep", got, exp, drop_strace=True)
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
