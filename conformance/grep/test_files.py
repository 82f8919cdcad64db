"""GREP-016..021: standard input, files that cannot be opened, directory
operands, and -r (recursion, names, symbolic links)."""
import pytest


@pytest.mark.req("GREP-016")
def test_standard_input(differ, corpus):
    text = corpus.files["a.txt"]
    a = str(corpus.path("a.txt"))
    differ.check("GREP-016", [
        (["hello"], text), (["-n", "hello"], text), (["-c", "hello"], text),
        (["-l", "hello"], text), (["-H", "hello"], text), (["-Hc", "o"], text),
        (["hello", "-"], text), (["-c", "hello", "-"], text),
        (["hello", "-", "b.txt"], text), (["hello", "b.txt", "-"], text),
        (["-c", "hello", "-", "-"], text), (["-n", "hello", "-", "-", "one.txt"], text),
        (["hello", "-", "-"], b"hello\n"), (["zzz", "-"], text), (["-c", "hello"], b""),
        (["hello"], a), (["-n", "hello", "-", "-"], a), (["-c", "o", "-", "one.txt", "-"], a),
        (["-H", "hello", "-"], a), (["hello", "nope.txt", "-"], a),
    ])


@pytest.mark.req("GREP-017")
def test_missing_file_among_good_ones(differ):
    cases = []
    for flags in ([], ["-n"], ["-c"], ["-l"], ["-h"], ["-H"], ["-v"], ["-i"]):
        cases += [
            flags + ["hello", "a.txt", "nope.txt", "b.txt"],
            flags + ["hello", "nope.txt", "a.txt"],
            flags + ["hello", "a.txt", "b.txt", "nope.txt"],
            flags + ["hello", "nope.txt"],
            flags + ["hello", "nope.txt", "nope2.txt", "one.txt"],
            flags + ["hello", "no-dir/nope.txt", "one.txt"],
            flags + ["hello", "a.txt/inside", "one.txt"],  # ENOTDIR
        ]
    differ.check("GREP-017", cases)


@pytest.mark.req("GREP-018")
def test_directory_operand_without_r(differ):
    cases = []
    for flags in ([], ["-n"], ["-c"], ["-l"], ["-h"], ["-v"]):
        cases += [flags + ["hello", "tree", "a.txt"], flags + ["hello", "tree"],
                  flags + ["hello", "a.txt", "tree", "one.txt"], flags + ["hello", "dirlink"],
                  flags + ["hello", ".", "one.txt"], flags + ["zzz", "tree/empty-dir"]]
    differ.check("GREP-018", cases)


def _r_cases(first):
    out = []
    # No -v: the tree holds a binary file (see specs/grep.md, "Binary files").
    for flags in (["-r"], ["-rn"], ["-rc"], ["-rl"], ["-ri"], ["-rH"], ["-rnH"], ["-rh"]):
        for pat in ("hello", "needle", "zzz", "top"):
            out.append(flags + [pat] + first)
    return out


@pytest.mark.req("GREP-019")
def test_recursive_operands(differ):
    cases = _r_cases(["tree"]) + _r_cases(["tree/"]) + _r_cases(["tree/sub", "a.txt"])
    cases += [["-r", "hello", "tree/empty-dir"], ["-r", "hello", "tree/other"],
              ["-rc", "hello", "tree/other"], ["-r", "hello", "tree/sub", "nope.txt"],
              ["-r", "hello", "one.txt", "tree/sub/deeper"], ["-rh", "hello", "tree"],
              ["-rhc", "hello", "tree"], (["-r", "hello", "-", "tree/sub"], b"hello\n")]
    differ.check("GREP-019", cases, unordered=True)


@pytest.mark.req("GREP-020")
def test_recursive_without_operands(differ, corpus):
    cases = [c[:-1] for c in _r_cases(["."])] + _r_cases(["."])
    cases += [["-rh", "hello"], (["-r", "hello"], b"hello from stdin\n")]
    differ.check("GREP-020", cases, unordered=True, cwd=corpus.path("tree"))


@pytest.mark.req("GREP-021")
def test_recursive_symbolic_links(differ, corpus):
    # Inside a tree: tree/sub/link-file.txt -> ../top.txt, tree/link-dir ->
    # sub, tree/broken.txt -> nowhere: skipped, silently.
    differ.check("GREP-021", [
        ["-r", "top", "tree"], ["-rc", "top", "tree"], ["-rl", "hello", "tree"],
        ["-r", "deep", "tree"], ["-rc", "deep", "tree"], ["-rl", "", "tree"],
        ["-r", "deep", "dirlink"], ["-rn", "hello", "dirlink"], ["-rc", "top", "dirlink/"],
        ["-r", "deep", "tree/link-dir"], ["-r", "hello", "filelink.txt"],
        ["-r", "top", "tree/sub/link-file.txt", "one.txt"], ["-r", "hello", "tree/broken.txt"],
        ["-r", "hello", "tree/broken.txt", "one.txt"],
    ], unordered=True)
    differ.check("GREP-021", [["-r", "top"], ["-rc", "deep"], ["-rl", ""]],
                 unordered=True, cwd=corpus.path("tree"))
