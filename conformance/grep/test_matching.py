"""GREP-003..009: what a line matching a fixed string means: plain
patterns, -F, several -e, newline-separated lists, the empty pattern, -i
(ASCII only) and -v."""
import itertools
import os

import pytest

B = os.fsdecode  # a byte pattern as an argv string (surrogates round-trip)

FILES = ["a.txt", "b.txt", "c.txt", "nonl.txt", "crlf.txt", "high.txt", "tabs.txt",
         "empty.txt", "one.txt", "many.txt"]


@pytest.mark.req("GREP-003")
def test_plain_pattern(differ):
    patterns = ["hello", "Hello", "HELLO", "world", "o", "lo he", "hellohello", "HelloHello",
                "zzz-nowhere", "needle", " ", "say hello", "hel", "line 39999", "line 1 "]
    cases = [[p, f] for p, f in itertools.product(patterns, FILES)]
    cases += [["hello", "a.txt", "b.txt", "c.txt"], ["o", "a.txt", "empty.txt", "b.txt"]]
    differ.check("GREP-003", cases)


@pytest.mark.req("GREP-004")
def test_fixed_strings_are_literal(differ):
    specials = ["a.b", "[x]", "x*", "^start", "end$", "back\\slash", ".", "*", "\\",
                "^", "$", "[", "]", "a.b\naxb", "\\s", "^start end$"]
    cases = []
    for p in specials:
        cases.append(["-F", p, "a.txt", "b.txt", "c.txt"])
        cases.append(["-Fc", p, "a.txt", "b.txt"])
    cases += [["-Fi", "A.B", "a.txt"], ["-F", "-e", "[x]", "-e", "x*", "a.txt"],
              ["-Fv", ".", "a.txt"], ["-Fn", "$", "b.txt"]]
    differ.check("GREP-004", cases)


@pytest.mark.req("GREP-005")
def test_several_patterns_with_e(differ):
    cases = []
    for f in (["a.txt"], ["b.txt", "c.txt"], ["many.txt"]):
        cases += [
            ["-e", "hello", "-e", "world"] + f,
            ["-e", "hello", "-e", "hello"] + f,
            ["-e", "hel", "-e", "lo", "-n"] + f,
            ["-c", "-e", "hello", "-e", "Hello"] + f,
            ["-e", "zzz", "-e", "needle"] + f,
            ["-e", "zzz", "-e", "qqq"] + f,
            ["-i", "-e", "HELLO", "-e", "WORLD"] + f,
            ["-v", "-e", "hello", "-e", "world"] + f,
            ["-e", "say", "-e", "the", "-e", "foo", "-e", "bar"] + f,
            ["-l", "-e", "zzz", "-e", "foo"] + f,
        ]
    differ.check("GREP-005", cases)


@pytest.mark.req("GREP-006")
def test_newline_separates_patterns(differ):
    cases = []
    for f in (["a.txt"], ["b.txt", "c.txt"], ["crlf.txt"]):
        cases += [
            ["hello\nworld"] + f,
            ["zzz\nneedle\nfoo"] + f,
            ["-F", "a.b\n[x]"] + f,
            ["-c", "hello\nHello"] + f,
            ["-i", "foo\nBAR"] + f,
            ["-v", "hello\nworld"] + f,
            ["-n", "-e", "hello\nworld", "-e", "foo"] + f,
            ["hello\nhello"] + f,
        ]
    differ.check("GREP-006", cases)


@pytest.mark.req("GREP-007")
def test_empty_pattern_matches_every_line(differ):
    cases = []
    for f in (["a.txt"], ["nonl.txt"], ["empty.txt"], ["blanklines.txt", "crlf.txt"]):
        cases += [
            [""] + f,
            ["-e", ""] + f,
            ["-v", ""] + f,
            ["-c", ""] + f,
            ["-n", ""] + f,
            ["hello\n"] + f,
            ["\nzzz"] + f,
            ["-e", "zzz", "-e", ""] + f,
            ["-vc", "zzz\n"] + f,
            ["-l", ""] + f,
        ]
    cases += [["", "empty.txt", "one.txt"], (["-c", ""], b""), ([""], b"\n"),
              (["-n", ""], b"x\n\ny")]
    differ.check("GREP-007", cases)


@pytest.mark.req("GREP-008")
def test_ignore_case_folds_ascii_only(differ):
    patterns = ["hello", "HELLO", "hElLo", "WORLD", "Needle", "HELLOHELLO", "SAY HELLO",
                B(b"\xc9t\xe9"), B(b"\xe9T\xc9"), B(b"\xc9T\xe9"), B(b"CAF\xc3\xa9"),
                B(b"CAF\xc3\x89"), B(b"\xe9t\xc9"), B(b"\x80HELLO\xff"), B(b"\xa0hello")]
    cases = []
    for p in patterns:
        cases.append(["-i", p, "a.txt", "high.txt"])
        cases.append(["-ic", p, "b.txt", "high.txt", "c.txt"])
    cases += [["-i", "tAb\tBeD", "a.txt"], ["-iv", "HELLO", "a.txt"], ["-in", "caf", "high.txt"]]
    differ.check("GREP-008", cases)


@pytest.mark.req("GREP-009")
def test_invert(differ):
    cases = []
    for f in (["a.txt"], ["one.txt"], ["empty.txt"], ["a.txt", "one.txt", "b.txt"],
              ["nonl.txt"], ["crlf.txt"]):
        for flags in (["-v"], ["-vc"], ["-vl"], ["-vq"], ["-vn"], ["-vi"], ["-vh"], ["-vH"]):
            cases.append(flags + ["hello"] + f)
    cases += [(["-v", "hello"], b"hello\nhello\n"), (["-vc", "hello"], b"hello\nbye\n")]
    differ.check("GREP-009", cases)
