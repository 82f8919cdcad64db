"""The system calls a run makes on FILE and on stdout (specs/syscalls.md,
"The sequence"), read from `strace -f`, and the bytes it prints."""
import os
import random

import pytest

from syscalls.sysc_util import Sequence, traced


def make_file(workdir, name, data):
    path = workdir / name
    path.write_bytes(data)
    return str(path)


def data_of(size, seed=8):
    return random.Random(seed).randbytes(size)


def show(run, seq):
    return (f"\n  what strace showed of FILE, the sleep and stdout:\n      "
            f"{run.excerpt(seq.relevant())}{run.where()}")


@pytest.mark.req("SYSC-001")
def test_sequence_open_read_close_sleep_write_exit(cli, workdir):
    data = data_of(20000)
    path = make_file(workdir, "in.bin", data)
    run = traced(cli, workdir, ["--sleep-ms", "50", path])
    r = run.result
    seq = Sequence(run.calls, path, cwd=r.cwd)
    where = show(run, seq)
    assert r.status == 0, f"{r.describe()}, stderr {r.stderr[-300:]!r}{where}"
    assert r.stdout == data, f"stdout is not FILE's {len(data)} bytes ({len(r.stdout)} bytes){where}"
    ok_opens = [c for c in seq.opens if c.ok()]
    assert len(ok_opens) == 1, \
        f"FILE must be opened exactly once; strace shows {len(ok_opens)} successful opens{where}"
    flags = " ".join(seq.open.args[1:])
    assert "O_RDONLY" in flags and not any(f in flags for f in ("O_WRONLY", "O_RDWR", "O_CREAT",
                                                                "O_TRUNC")), \
        f"FILE is not opened read-only: {seq.open.line}{where}"
    eof = seq.eof_read()
    assert seq.reads and eof is not None, f"no read(F) returning 0 (end of file) on F={seq.fd}{where}"
    assert seq.bytes_read() == len(data), \
        f"the reads of F returned {seq.bytes_read()} bytes in all, FILE has {len(data)}{where}"
    assert seq.close is not None, f"F={seq.fd} is never closed{where}"
    sleep = seq.good_sleep()
    assert sleep is not None, f"no successful clock_nanosleep/nanosleep call{where}"
    assert sleep.index > seq.close.index, f"the sleep comes before close(F){where}"
    assert seq.writes, f"no write/writev on fd 1{where}"
    first_write = seq.writes[0]
    assert first_write.index > sleep.index, f"stdout is written before the sleep{where}"
    assert seq.bytes_written() == len(data), \
        f"the writes to fd 1 returned {seq.bytes_written()} bytes in all, FILE has {len(data)}{where}"
    exits = [c for c in run.calls if c.name == "exit_group"]
    assert exits and exits[-1].arg_int(0) == 0, f"no exit_group(0) at the end{where}"


@pytest.mark.req("SYSC-002")
def test_stdout_is_file_bytes(cli, workdir):
    cases = [("empty", b""), ("six", b"hello\n"),
             ("allbytes", bytes(range(256)) * 4 + b"no newline at the end"),
             ("mib", data_of(1 << 20, seed=2))]
    for name, data in cases:
        path = make_file(workdir, name, data)
        r = cli.run(["--sleep-ms", "0", path])
        assert r.status == 0, f"{name}: {r.describe()}, stderr {r.stderr[-300:]!r}\n  {r.repro()}"
        if r.stdout != data:
            diff = next((i for i, (a, b) in enumerate(zip(r.stdout, data)) if a != b),
                        min(len(r.stdout), len(data)))
            pytest.fail(f"{name} ({len(data)} bytes): stdout has {len(r.stdout)} bytes, first "
                        f"difference at byte {diff}\n  reproduce: {r.repro()}", pytrace=False)


@pytest.mark.req("SYSC-003")
def test_file_is_read_with_read_only(cli, workdir):
    data = data_of(300000, seed=3)
    path = make_file(workdir, "big.bin", data)
    run = traced(cli, workdir, ["--sleep-ms", "0", path])
    seq = Sequence(run.calls, path, cwd=run.result.cwd)
    where = show(run, seq)
    assert run.result.status == 0, f"{run.result.describe()}{where}"
    assert seq.open is not None, f"FILE is never opened{where}"
    assert not seq.other_reads, \
        (f"FILE's descriptor {seq.fd} is read another way than read(2): "
         f"{[c.line for c in seq.other_reads][:3]}{where}")
    assert seq.bytes_read() == len(data), \
        f"read(F) returned {seq.bytes_read()} bytes in all, FILE has {len(data)}{where}"


@pytest.mark.req("SYSC-004")
def test_no_read_after_eof_and_close_before_sleep(cli, workdir):
    for name, data in (("small", b"abc\n"), ("exact", data_of(8192, seed=4)),
                       ("empty", b"")):
        path = make_file(workdir, name, data)
        run = traced(cli, workdir, ["--sleep-ms", "1", path])
        seq = Sequence(run.calls, path, cwd=run.result.cwd)
        where = f" ({name}, {len(data)} bytes)" + show(run, seq)
        assert run.result.status == 0, f"{run.result.describe()}{where}"
        eof = seq.eof_read()
        assert eof is not None, f"no read(F) returned 0{where}"
        after = [c for c in seq.reads if c.index > eof.index]
        assert not after, f"read(F) again after it returned 0: {after[0].line}{where}"
        assert seq.close is not None, f"F={seq.fd} is never closed{where}"
        sleep = seq.good_sleep()
        if sleep is not None:
            assert seq.close.index < sleep.index, f"F is closed after the sleep, not before{where}"


@pytest.mark.req("SYSC-005")
def test_read_buffer_at_least_4096(cli, workdir):
    size = 100000
    path = make_file(workdir, "hundredk", data_of(size, seed=5))
    run = traced(cli, workdir, ["--sleep-ms", "0", path])
    seq = Sequence(run.calls, path, cwd=run.result.cwd)
    assert run.result.status == 0, f"{run.result.describe()}{run.where()}"
    bound = -(-size // 4096) + 1
    sizes = sorted({c.arg_int(2) for c in seq.reads})
    assert 0 < len(seq.reads) <= bound, \
        (f"{len(seq.reads)} read calls for a {size}-byte file (at most {bound} with a "
         f"4096-byte buffer); buffer sizes asked: {sizes[:8]}{run.where()}")
    assert os.path.getsize(path) == size
