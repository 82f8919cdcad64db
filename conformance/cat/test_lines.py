"""CAT-006..012: -n and its state across files, -b, -s, -E (CR LF as ^M$),
-T, and every combination of them.
Every case runs the program and GNU cat 9.1 and compares them."""
import itertools
import random

import pytest

@pytest.mark.req("CAT-006")
def test_number_lines(differ, corpus):
    cases = [["-n", n] for n in corpus.text + ["many.txt", "million.txt", "bin.dat"]]
    cases += [(["-n"], b"a\nb\n"), (["-n"], b"\n"), (["-n"], b"x"), (["-n"], b"")]
    differ.check("CAT-006", cases)


@pytest.mark.req("CAT-007")
def test_numbering_across_files(differ):
    cases = []
    for flags in (["-n"], ["-b"], ["-nE"], ["-bT"], ["-ns"]):
        cases += [
            flags + ["nonl.txt", "nonl2.txt"], flags + ["a.txt", "b.txt"],
            flags + ["nonl.txt", "nonl.txt", "empty.txt", "nonl2.txt"],
            flags + ["crlf.txt", "a.txt"], flags + ["nonl.txt", "blanklines.txt"],
            flags + ["cr-end.txt", "lf-start.txt", "blankstart.txt"],
            flags + ["empty.txt", "nonl.txt", "empty.txt", "blankstart.txt"],
            (flags + ["nonl.txt", "-", "nonl2.txt"], b"from stdin"),
            (flags + ["-", "-"], b"no newline"),
        ]
    cases += [["-n", "million.txt", "nonl.txt", "million.txt"], ["-b", "nonl.txt", "million.txt"]]
    differ.check("CAT-007", cases)


@pytest.mark.req("CAT-008")
def test_number_nonblank(differ):
    cases = []
    for flags in (["-b"], ["-bn"], ["-nb"], ["-b", "-n"], ["-n", "-b"], ["-bE"]):
        cases += [flags + ["blanklines.txt"], flags + ["blankstart.txt", "nonl.txt"],
                  flags + ["nonl.txt", "blankstart.txt"], flags + ["crlf.txt", "tabs.txt"],
                  flags + ["a.txt", "b.txt"], (flags, b"\n\n \n\t\n\r\nx\n\n")]
    differ.check("CAT-008", cases)


@pytest.mark.req("CAT-009")
def test_squeeze_blank(differ):
    cases = []
    for flags in (["-s"], ["-sn"], ["-sb"], ["-sE"], ["-sT"]):
        cases += [
            flags + ["blanklines.txt"], flags + ["blanklines.txt", "blanklines.txt"],
            flags + ["blankstart.txt", "blanklines.txt"],
            flags + ["blanklines.txt", "blankstart.txt"],
            flags + ["nonl.txt", "blankstart.txt"], flags + ["crlf.txt"],
            flags + ["blanklines.txt", "empty.txt", "blankstart.txt"],
            flags + ["a.txt", "b.txt"], (flags, b"\n\n\n\n"),
            (flags + ["-", "blanklines.txt"], b"a\n\n\n"),
            (flags, b"\r\n\r\n\n\n \n \n"),
        ]
    differ.check("CAT-009", cases)


@pytest.mark.req("CAT-010")
def test_show_ends(differ):
    cases = []
    for flags in (["-E"], ["-nE"], ["-bE"], ["-sE"], ["-ET"]):
        cases += [
            flags + ["crlf.txt"], flags + ["cr-end.txt", "lf-start.txt"],
            flags + ["cr-end.txt", "cr-end.txt", "lf-start.txt"], flags + ["high.txt"],
            flags + ["nonl.txt", "nonl2.txt"], flags + ["cr-end.txt", "empty.txt", "lf-start.txt"],
            flags + ["a.txt"], flags + ["blanklines.txt"],
            (flags + ["cr-end.txt", "-"], b"\nstdin"), (flags, b"a\r\r\n\rb\r"),
            (flags, b"\r\n\r\n"), (flags + ["-", "lf-start.txt"], b"x\r"),
        ]
    differ.check("CAT-010", cases)


@pytest.mark.req("CAT-011")
def test_show_tabs(differ):
    cases = []
    for flags in (["-T"], ["-nT"], ["-bT"], ["-ET"], ["-sT"]):
        cases += [flags + ["tabs.txt"], flags + ["a.txt"], flags + ["high.txt"],
                  flags + ["blankstart.txt", "tabs.txt"], (flags, b"\t\t\n\t"),
                  (flags, b"a\tb\r\n")]
    differ.check("CAT-011", cases)


@pytest.mark.req("CAT-012")
def test_option_combinations(differ):
    rng = random.Random(12)
    sets = [["nonl.txt", "blanklines.txt", "crlf.txt", "tabs.txt", "blankstart.txt"],
            ["cr-end.txt", "lf-start.txt", "empty.txt", "a.txt", "nonl2.txt"],
            ["blankstart.txt", "nonl.txt", "high.txt", "blanklines.txt"]]
    cases = []
    for k in range(1, 6):
        for combo in itertools.combinations("nbsET", k):
            letters = list(combo)
            rng.shuffle(letters)
            if rng.random() < 0.5:
                flags = ["-" + "".join(letters)]
            else:
                flags = ["-" + c for c in letters]
            cases.append(flags + rng.choice(sets))
    differ.check("CAT-012", cases)
