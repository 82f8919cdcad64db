"""PS-017, PS-018: standard output that cannot be written, or whose reader
goes away early."""
import signal
import subprocess

import pytest

from ps.pstools import PS_ENV
from osnet_harness.timeouts import T


@pytest.mark.req("PS-017")
def test_write_error(cli):
    r = cli.run([], env=PS_ENV, stdout="/dev/full")
    assert r.status != 0 and r.stderr, (
        f"with stdout /dev/full (every write fails with ENOSPC) the program should say so on "
        f"stderr and exit non-zero; {r.describe()}, stderr {r.stderr[:300]!r}\n"
        f"  reproduce: {r.repro()} > /dev/full")


@pytest.mark.req("PS-018")
def test_reader_goes_away(cli, procs):
    # 300 KB of output: more than a pipe holds, so the program is still
    # writing when the reader closes its end.
    for i in range(3):
        procs.sleeper(b"%d" % i + b"p" * 100000)
    p = cli.start([], env=PS_ENV, stdout=subprocess.PIPE)
    first = p.proc.stdout.read(100)
    p.proc.stdout.close()
    r = p.wait(T(30))
    assert first, f"no output at all ({r.describe()})"
    quiet = r.status == -signal.SIGPIPE or not r.stderr
    assert quiet, (f"the reader closed the pipe after 100 bytes (as `| head -c 100` does): the "
                   f"program should end quietly (SIGPIPE, or exit without a message); "
                   f"{r.describe()}, stderr {r.stderr[:300]!r}\n  reproduce: {r.repro()} | "
                   f"head -c 100")
