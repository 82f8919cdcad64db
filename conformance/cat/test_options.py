"""CAT-001..002: options alone and combined, `--`, an unknown option.
Every case runs the program and GNU cat 9.1 and compares them."""
import pytest

from osnet_harness.textcorpus import GNU_NAME, repro


@pytest.mark.req("CAT-001")
def test_combined_flags_and_end_of_options(differ):
    differ.check("CAT-001", [
        ["-nE", "a.txt"], ["-n", "-E", "a.txt"], ["-En", "nonl.txt", "b.txt"],
        ["-sbT", "blanklines.txt", "tabs.txt"], ["-s", "-b", "-T", "blanklines.txt", "tabs.txt"],
        ["-ET", "tabs.txt", "crlf.txt"], ["-nbsET", "blankstart.txt", "crlf.txt"],
        ["--", "-dash.txt"], ["-n", "--", "-dash.txt", "a.txt"], ["-E", "--", "-dash.txt"],
        ["--", "a.txt", "-dash.txt"], ["-Tn", "-s", "tabs.txt", "blanklines.txt"],
        ["-n", "-n", "a.txt"], ["-nn", "one.txt"],
    ])


@pytest.mark.req("CAT-002")
def test_unknown_option_exits_1(differ):
    for args in (["-Y"], ["-Y", "a.txt"], ["-nZ", "a.txt"], ["-q", "a.txt"], ["-a"]):
        got, exp = differ.run(args, stdin=b"stdin text\n")
        assert exp.status == 1, f"test bug: {GNU_NAME['cat']} exits {exp.status} on {args}"
        problems = got.usage_error_problems(1)
        assert not problems, (f"CAT-002: unknown option in {args}: " + "; ".join(problems)
                              + f"\n  reproduce: {repro(got)}")
