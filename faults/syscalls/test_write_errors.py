"""stdout failing (specs/syscalls.md, SYSC-012): /dev/full refuses every
write with ENOSPC."""
import pytest


@pytest.mark.req("SYSC-012")
def test_stdout_dev_full(cli, workdir):
    path = workdir / "in.txt"
    path.write_bytes(b"nowhere to go\n" * 100)
    r = cli.run(["--sleep-ms", "0", str(path)], stdout="/dev/full")
    how = f"\n  reproduce: {r.repro()} > /dev/full"
    assert r.status == 1, f"{r.describe()}, 1 expected when stdout cannot be written{how}"
    assert b"No space left on device" in r.stderr, \
        f"stderr {r.stderr[-300:]!r} lacks 'No space left on device'{how}"
