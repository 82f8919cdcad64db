"""Fixtures of the cat suite: `corpus` (the generated files of
osnet_harness.textcorpus; tests only read them) and `differ`, which runs
each case through the program under test and GNU cat 9.1 (/usr/bin/cat,
LC_ALL=C) in the corpus directory and fails on the first difference."""
from osnet_harness import textcorpus

corpus, differ = textcorpus.suite_fixtures("cat")
