"""Fixtures of the kv tests.

`launcher` is the harness's, with {datadir} filled with a fresh empty
directory of the test (a restart within the test gets the same one).
`start(*args)` starts an instance with options appended (specs/kv.md,
"Interface") and returns it; `fresh` is one started without options (an
empty keyspace; skipped under --addr). `kv` is a connection to the
`server` fixture (a fresh server, or the --addr one, whose keys the tests
never depend on: they use keys of their own from `key`). `conns` opens more
connections, all closed after the test. `datadir` is the directory itself,
for the append-only file tests.
"""
import pathlib
import sys
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from kvclient import Conn  # noqa: E402


@pytest.fixture
def datadir(workdir):
    d = pathlib.Path(workdir) / "data"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture
def launcher(launcher, datadir):
    launcher.values["datadir"] = str(datadir)
    return launcher


@pytest.fixture
def start(launcher):
    """start(*args, **kw) -> a newly started instance (osnet_harness Server)."""
    def go(*args, **kw):
        return launcher.start(args=[str(a) for a in args], **kw)
    return go


@pytest.fixture
def fresh(start):
    return start()


@pytest.fixture
def conns():
    """conns(addr, name=..., rcvbuf=...) -> Conn; every one closed after the test."""
    made = []

    def make(addr, name=None, **kw):
        c = Conn(addr, name=name or f"client {len(made) + 1}", **kw)
        made.append(c)
        return c
    yield make
    for c in made:
        c.close()


@pytest.fixture
def kv(server, conns):
    return conns(server.addr, name="client")


@pytest.fixture
def key():
    """key(name) -> a key name no other test (or earlier run) uses."""
    tag = uuid.uuid4().hex[:10]
    return lambda name="k": f"osnet:{tag}:{name}".encode()
