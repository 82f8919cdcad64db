"""Fixtures of the grep suite: `corpus` (the generated files of
osnet_harness.textcorpus; tests only read them) and `differ`, which runs
each case through the program under test and GNU grep 3.8 (/usr/bin/grep,
LC_ALL=C) in the corpus directory and fails on the first difference."""
from osnet_harness import textcorpus

corpus, differ = textcorpus.suite_fixtures("grep")
