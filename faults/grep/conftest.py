"""Fixtures of the grep fault scenarios: `corpus`, the generated files of
osnet_harness.textcorpus (read only; the scenarios that need files of their
own make them with textcorpus.fault_files in the test's workdir)."""
import pytest

from osnet_harness import textcorpus


@pytest.fixture(scope="session")
def corpus():
    return textcorpus.corpus()
