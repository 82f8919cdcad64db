"""Fixtures of the items tests.

`launcher` is the harness's, with {datadir} filled with a fresh empty
directory of the test (a restart within the test gets the same one) and
the idle timeout far longer than any wait of a test. `svc` is the service
(itemskit.Items) on a fresh server, or on the --addr one; `fresh` is a
fresh server only (skipped under --addr): for tests that need an empty
store, read stderr or pass options. `start(*args)` starts another instance
with options appended. `disk` is for the durability tests: skipped when
the template has no {datadir} (a program that keeps nothing on disk).
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import Items  # noqa: E402
from osnet_harness.launch import template_fields  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


@pytest.fixture
def launcher(launcher, workdir):
    data = pathlib.Path(workdir) / "data"
    data.mkdir(exist_ok=True)
    launcher.values["datadir"] = str(data)
    launcher.default_args.update({"--idle-timeout": str(int(T(300)))})
    return launcher


@pytest.fixture
def svc(server):
    return Items(server)


@pytest.fixture
def start(launcher):
    """start(*args, **kw) -> Items on a newly started instance."""
    def go(*args, **kw):
        return Items(launcher.start(args=list(args), **kw))
    return go


@pytest.fixture
def fresh(start):
    return start()


@pytest.fixture
def disk(impl, launcher):
    if "datadir" not in template_fields(impl.template):
        pytest.skip("the launch template has no {datadir}: the program keeps nothing on disk, "
                    "so there is nothing to survive a restart")
    return pathlib.Path(launcher.values["datadir"])
