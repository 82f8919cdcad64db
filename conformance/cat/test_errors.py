"""CAT-013..015: files that cannot be opened, directory operands, and the
exit status.
Every case runs the program and GNU cat 9.1 and compares them."""
import pytest


@pytest.mark.req("CAT-013")
def test_missing_file_among_good_ones(differ):
    cases = []
    for flags in ([], ["-n"], ["-b"], ["-s"], ["-E"]):
        cases += [
            flags + ["a.txt", "nope.txt", "b.txt"], flags + ["nope.txt", "a.txt"],
            flags + ["nonl.txt", "nope.txt", "nonl2.txt"], flags + ["nope.txt"],
            flags + ["blanklines.txt", "nope.txt", "blankstart.txt"],
            flags + ["no-dir/nope.txt", "one.txt"], flags + ["a.txt/inside", "one.txt"],
            flags + ["nope.txt", "nope2.txt", "one.txt", "nope3.txt"],
            (flags + ["nope.txt", "-", "one.txt"], b"stdin\n"),
        ]
    differ.check("CAT-013", cases)


@pytest.mark.req("CAT-014")
def test_directory_operand(differ):
    cases = []
    for flags in ([], ["-n"], ["-b"], ["-E"]):
        cases += [flags + ["tree"], flags + ["a.txt", "tree", "b.txt"],
                  flags + ["nonl.txt", "tree", "nonl2.txt"], flags + ["dirlink"],
                  flags + [".", "one.txt"], flags + ["tree/empty-dir", "tree", "one.txt"]]
    differ.check("CAT-014", cases)


@pytest.mark.req("CAT-015")
def test_exit_status(differ):
    cases = []
    for flags in ([], ["-n"], ["-s"]):
        cases += [flags + ["a.txt"], flags + ["empty.txt"], flags + ["a.txt", "nope.txt"],
                  flags + ["nope.txt", "a.txt"], flags + ["tree", "a.txt"],
                  flags + ["a.txt", "b.txt", "tree"], (flags, b"x\n"),
                  (flags + ["-", "nope.txt"], b"")]
    differ.check("CAT-015", cases)
