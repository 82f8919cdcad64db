"""PS-006..010: ARGS, /proc/PID/cmdline joined, whole, with what cannot be
shown replaced by '?'. Each odd case gets a process of its own (procps's
decoder carries state from one bad sequence to the next byte)."""
import pytest

from ps.pstools import args_pattern, procps_line, read, run_ps


def check(cli, cases, what):
    """cases: [(Popen, note)]; every one's line must match its cmdline."""
    want = {p.pid: (read(f"/proc/{p.pid}/cmdline"), note) for p, note in cases}
    ls = run_ps(cli)
    ls.well_formed()
    for pid, (cmdline, note) in want.items():
        row = ls.one(pid)
        assert row, f"PID {pid} ({note}) is not listed{ls.where()}"
        pat = args_pattern(cmdline)
        if not pat.match(row[2]):
            raise AssertionError(
                f"{what}: PID {pid}, {note}: /proc/{pid}/cmdline is {cmdline[:300]!r}\n"
                f"  ARGS should match {pat.pattern[:300]!r}\n"
                f"  listed:        {row[3][:300]!r}"
                f"{procps_line(pid) if len(cmdline) < 2000 else ''}{ls.where()}")
    return ls


@pytest.mark.req("PS-006")
def test_arguments_joined_by_spaces(cli, procs):
    cases = [
        ([b"plain", b"words"], "plain arguments"),
        ([b"two words", b"three  spaced   words"], "arguments with spaces and runs of them"),
        ([b"", b"x", b"", b"", b"y"], "empty arguments (two spaces in a row each)"),
        ([b"trailing ", b"  leading", b"end   "], "leading and trailing spaces"),
        ([b"quote'\"$HOME`x` \\n"], "quotes and backslashes, kept as they are"),
        ([b" "], "an argument of one space, last"),
    ]
    check(cli, [(procs.sleeper(*a), n) for a, n in cases], "PS-006")


@pytest.mark.req("PS-007")
def test_long_command_lines(cli, procs):
    one = procs.sleeper(b"L" * 100000)
    many = procs.sleeper(*[(b"%04d" % i) + b"m" * 996 for i in range(100)])
    check(cli, [(one, "one argument of 100000 bytes"),
                (many, "100 arguments of 1000 bytes")], "PS-007")


@pytest.mark.req("PS-008")
def test_utf8_kept(cli, procs):
    cases = [
        ("é à ü ñ".encode(), "Latin letters with accents"),
        ("→ ∑ ≠ €".encode(), "symbols"),
        ("日本語 한국어".encode(), "CJK"),
        ("😀🚀".encode(), "emoji (4-byte UTF-8)"),
        ("e\u0301".encode(), "a combining accent"),
        ("mixed ascii, ünïcödé and 漢字 in one".encode(), "a mix"),
    ]
    check(cli, [(procs.sleeper(a), n) for a, n in cases], "PS-008")


@pytest.mark.req("PS-009")
def test_control_characters(cli, procs):
    cases = [
        (b"tab\there", "a tab"),
        (b"cr\rhere", "a carriage return"),
        (b"esc\x1b[31mred", "an escape sequence"),
        (b"bell\x07x\x01y\x1fz", "control bytes 0x07 0x01 0x1f"),
        (b"nl\nhere", "a newline"),
        (b"two\n\nlines", "two newlines"),
        (b"del\x7fx", "DEL (0x7f)"),
        ("c1\u0085x\u009bz".encode(), "C1 control characters U+0085, U+009B"),
    ]
    check(cli, [(procs.sleeper(b"A", a, b"Z"), n) for a, n in cases], "PS-009")


@pytest.mark.req("PS-010")
def test_invalid_utf8(cli, procs):
    cases = [
        (b"lone\xffbyte", "a lone 0xff"),
        (b"trunc\xe2\x86x", "a truncated sequence e2 86"),
        (b"end\xe2\x86", "a truncated sequence at the end of an argument"),
        (b"over\xc0\x80long", "an overlong encoding c0 80"),
        (b"surr\xed\xa0\x80x", "an encoded surrogate ed a0 80"),
        (b"cont\x80\x80x", "stray continuation bytes"),
        (b"ok \xc3\xa9 then \xfe!", "valid UTF-8 then an invalid byte"),
        (b"latin1 caf\xe9", "Latin-1 text (not UTF-8)"),
    ]
    ls = check(cli, [(procs.sleeper(b"A", a, b"Z"), n) for a, n in cases], "PS-010")
    for row in ls.rows.values():
        try:
            row[0][2].decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(f"a line is not valid UTF-8 ({e}): {row[0][3][:300]!r}"
                                 f"{ls.where()}") from None
