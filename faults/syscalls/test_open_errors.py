"""FILE missing or not openable (specs/syscalls.md, SYSC-010): message
naming FILE with strerror, status 1, nothing on stdout, no sleep."""
import pytest

from syscalls.sysc_util import OPENS, Sequence, traced


@pytest.mark.req("SYSC-010")
def test_missing_file(cli, workdir):
    missing = str(workdir / "no-such-file.txt")
    run = traced(cli, workdir, ["--sleep-ms", "200", missing])
    r = run.result
    seq = Sequence(run.calls, missing, cwd=r.cwd)
    where = f"\n  strace:\n      {run.excerpt(seq.relevant())}{run.where()}"
    assert r.status == 1, f"{r.describe()}, 1 expected for a missing FILE{where}"
    assert r.stdout == b"", f"stdout {r.stdout[:100]!r}, nothing expected{where}"
    want = f"{missing}: No such file or directory".encode()
    assert want in r.stderr, f"stderr {r.stderr[-300:]!r} lacks {want!r}{where}"
    assert not seq.sleeps, f"it slept anyway: {seq.sleeps[0].line}{where}"


@pytest.mark.req("SYSC-010")
def test_open_refused(cli, workdir):
    path = workdir / "secret.txt"
    path.write_bytes(b"you may not read this\n")
    run = traced(cli, workdir, ["--sleep-ms", "200", str(path)],
                 injections=[",".join(OPENS) + ":error=EACCES"], paths=[str(path)])
    r = run.result
    where = f"\n  strace:\n      {run.excerpt()}{run.where()}"
    if not run.strace.injected():
        pytest.skip("strace injected nothing: the program never opened FILE by its path")
    assert r.status == 1, f"{r.describe()}, 1 expected when FILE cannot be opened{where}"
    assert r.stdout == b"", f"stdout {r.stdout[:100]!r}, nothing expected{where}"
    want = f"{path}: Permission denied".encode()
    assert want in r.stderr, f"stderr {r.stderr[-300:]!r} lacks {want!r}{where}"
