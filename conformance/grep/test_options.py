"""GREP-001..002: options, combined flags, `--`, usage errors."""
import pytest

from osnet_harness.textcorpus import GNU_NAME, repro


@pytest.mark.req("GREP-001")
def test_combined_flags_and_end_of_options(differ):
    differ.check("GREP-001", [
        ["-in", "hello", "a.txt", "b.txt"],
        ["-i", "-n", "hello", "a.txt", "b.txt"],
        ["-inH", "hello", "a.txt"],
        ["-nHi", "world", "c.txt"],
        ["-cv", "hello", "a.txt", "b.txt"],
        ["-vc", "hello", "a.txt"],
        ["-ci", "HELLO", "a.txt", "c.txt"],
        ["-ce", "hello", "a.txt"],
        ["-ve", "hello", "b.txt"],
        ["-nie", "HELLO", "a.txt"],
        ["-Fi", "A.B", "a.txt", "b.txt"],
        ["-Fn", "[x]", "a.txt"],
        ["-lc", "hello", "a.txt", "b.txt", "empty.txt"],
        ["-hn", "hello", "a.txt", "b.txt"],
        ["-e", "-x", "dash-x.txt"],
        ["-e", "--double", "dash-x.txt"],
        ["--", "-x", "dash-x.txt"],
        ["-n", "--", "-x", "dash-x.txt", "a.txt"],
        ["-c", "--", "hello", "-dash.txt"],
        ["--", "hello", "-dash.txt", "a.txt"],
        ["-i", "--", "HELLO", "one.txt"],
        ["-e", "hello", "--", "-dash.txt"],
        ["-qv", "zzz", "a.txt"],
        ["-Hc", "hello", "one.txt"],
    ])


USAGE = [["-Y", "hello", "a.txt"], [], ["-e"], ["-c"], ["-n", "-Q", "x", "a.txt"]]


@pytest.mark.req("GREP-002")
def test_usage_error_exits_2(differ):
    for args in USAGE:
        got, exp = differ.run(args)
        assert exp.status == 2, f"test bug: GNU grep exits {exp.status} on {args}"
        problems = got.usage_error_problems(2)
        assert not problems, (
            f"GREP-002: usage error {args}: " + "; ".join(problems)
            + f"\n  reproduce: {repro(got)}\n  {GNU_NAME['grep']}: {exp.describe()}, "
            f"stderr {exp.stderr[:200]!r}")
