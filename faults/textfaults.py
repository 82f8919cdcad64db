"""The fault scenarios cat and grep share (faults/cat, faults/grep): the
program run with one of strace's faults aimed at one file, next to GNU's
answer for the same situation. Each test keeps its own expectation."""
import shutil

import pytest

from inject import Strace
from osnet_harness import textcorpus
from osnet_harness.textcorpus import compare, repro, run_gnu


def run_with_read_error(cli, workdir, files, args, operands, big="big.txt"):
    """Run the program on `operands` in `files` with the 3rd read() of
    `big` failing with EIO (the 2nd, for a program that read all of it at
    once). Returns (result, strace, which read failed, bytes of `big`
    read before it); skips, saying why, when no read could be failed."""
    path = files / big
    for when in (3, 2):
        st = Strace(textcorpus.strace_logdir(workdir), [f"read:error=EIO:when={when}"],
                    paths=[str(path)])
        got = cli.run(args + operands, cwd=files, wrap=st.wrap())
        if st.injected("read"):
            break
    else:
        pytest.skip(f"the program never called read() on {big} ({path.stat().st_size} bytes) "
                    f"a second or third time (it mmaps it, or copies it with another call), so "
                    f"no read error could be injected: {repro(got)}")
    k = textcorpus.bytes_read_before_injection(st.log)
    assert k is not None, f"strace's log {st.log} shows no injected read"
    return got, st, when, k


def gnu_on_cut_copy(tool, workdir, files, args, operands, big, cut):
    """GNU's run on copies of `operands` where `big` holds only cut(its
    bytes): what a program that lost the rest to a read error should
    print for it."""
    dest = workdir / "expected"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir()
    for n in operands:
        data = (files / n).read_bytes()
        (dest / n).write_bytes(cut(data) if n == big else data)
    return run_gnu(tool, args + operands, dest)


def open_denied_diffs(tool, cli, workdir, files, args, victim="b.txt"):
    """Run the program and GNU `tool` with every open of `victim` failing
    with EACCES (root reads any file, so the denial is injected); returns
    (result, GNU's, their differences). Skips when the program never
    opened `victim` by its name."""
    st = Strace(textcorpus.strace_logdir(workdir), ["open,openat:error=EACCES"],
                paths=[victim])
    got = cli.run(args, cwd=files, wrap=st.wrap())
    if not st.injected():
        pytest.skip(f"the program never opened {victim} by its name with open/openat, so "
                    f"EACCES could not be injected: {repro(got)}")
    gst = Strace(textcorpus.strace_logdir(workdir, "strace-gnu"),
                 ["open,openat:error=EACCES"], paths=[victim])
    exp = run_gnu(tool, args, files, wrap=gst.wrap())
    assert gst.injected(), f"test bug: strace did not fail GNU {tool}'s open of {victim}"
    return got, exp, compare(tool, got, exp, drop_strace=True)
