"""Fixtures of the cat suite: `corpus` (the generated files of
osnet_harness.textcorpus; tests only read them) and `differ`, which runs
each case through the program under test and GNU cat 9.1 (/usr/bin/cat,
LC_ALL=C) in the corpus directory and fails on the first difference."""
import pytest

from osnet_harness import textcorpus


@pytest.fixture(scope="session")
def corpus():
    return textcorpus.corpus()


@pytest.fixture
def differ(cli, corpus):
    return textcorpus.Differ(cli, "cat", cwd=corpus.root)
