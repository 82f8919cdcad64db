"""A read of FILE failing (specs/syscalls.md, SYSC-011): message naming
FILE with strerror, status 1, and nothing on stdout, not even what was
read before the error."""
import random

import pytest

from syscalls.sysc_util import traced


@pytest.mark.req("SYSC-011")
@pytest.mark.parametrize("when", [1, 2])
def test_read_eio(cli, workdir, when):
    path = workdir / "flaky.bin"
    path.write_bytes(random.Random(when).randbytes(200000))
    run = traced(cli, workdir, ["--sleep-ms", "0", str(path)],
                 injections=[f"read:error=EIO:when={when}"], paths=[str(path)])
    r = run.result
    where = f"\n  strace:\n      {run.excerpt()}{run.where()}"
    if not run.strace.injected("read"):
        pytest.skip(f"strace injected no EIO: the program made fewer than {when} read() "
                    "calls on FILE (SYSC-001/003 say why)")
    assert r.status == 1, f"{r.describe()}, 1 expected after a read error{where}"
    assert r.stdout == b"", \
        f"{len(r.stdout)} bytes on stdout after a read error, nothing expected{where}"
    want = f"{path}: Input/output error".encode()
    assert want in r.stderr, f"stderr {r.stderr[-300:]!r} lacks {want!r}{where}"
