"""KV-034, KV-035: redis-cli and redis-benchmark, unchanged, against the
server (Debian's redis-tools; tools/install-deps installs them)."""
import shutil
import subprocess

import pytest

from kvclient import Conn, encode_many, show
from osnet_harness.timeouts import T


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (apt-get install redis-tools)", pytrace=False)
    return path


def run(argv, what, stdin=b"", timeout=None):
    limit = T(60) if timeout is None else timeout
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{what}: `{' '.join(argv)}` did not finish within {limit:.0f}s "
                             f"(a request left unanswered?); its output so far: "
                             f"{show(e.stdout or b'', 300)}") from None
    assert p.returncode == 0, (f"{what}: `{' '.join(argv)}` exited {p.returncode}; stdout "
                               f"{show(p.stdout, 300)}, stderr {show(p.stderr, 300)}")
    return p.stdout


@pytest.mark.req("KV-034")
def test_redis_cli_commands(server, key, report):
    cli = [tool("redis-cli"), "-h", server.host, "-p", str(server.port)]
    k = key("cli").decode()
    report.repro(f"redis-cli -h {server.host} -p {server.port} SET {k} hello")
    out = run(cli + ["SET", k, "hello world"], "redis-cli SET")
    assert out == b"OK\n", f"redis-cli SET printed {show(out)}, expected OK"
    out = run(cli + ["GET", k], "redis-cli GET")
    assert out == b"hello world\n", f"redis-cli GET printed {show(out)}"
    out = run(cli + ["INCR", k + ":n"], "redis-cli INCR")
    assert out == b"1\n", f"redis-cli INCR printed {show(out)}"
    out = run(cli + ["GET", k + ":none"], "redis-cli GET of a missing key")
    assert out == b"\n", f"redis-cli GET of a missing key printed {show(out)}"
    out = run(cli + ["--no-raw", "GET", k + ":none"], "redis-cli --no-raw GET")
    assert out == b"(nil)\n", f"redis-cli --no-raw GET of a missing key printed {show(out)}"
    out = run(cli + ["FROB", "x"], "redis-cli of an unknown command")
    assert out.startswith(b"ERR unknown command 'FROB'"), (
        f"redis-cli FROB x printed {show(out)}")


@pytest.mark.req("KV-034")
def test_redis_cli_binary_value(server, key, report):
    cli = [tool("redis-cli"), "-h", server.host, "-p", str(server.port)]
    k = key("bin").decode()
    value = bytes(range(256)) + b"\r\n\x00tail"
    report.repro(f"head -c 300 /dev/urandom | redis-cli -p {server.port} -x SET {k}")
    out = run(cli + ["-x", "SET", k], "redis-cli -x SET", stdin=value)
    assert out == b"OK\n", f"redis-cli -x SET (value on stdin) printed {show(out)}"
    with Conn(server.addr) as c:
        got = c.call("GET", k)
    assert got == value, f"the value redis-cli -x sent came back as {show(got, 300)}"
    out = run(cli + ["--raw", "GET", k], "redis-cli --raw GET")
    assert out == value + b"\n", f"redis-cli --raw GET printed {show(out, 300)}"


@pytest.mark.req("KV-034")
def test_redis_cli_pipe(server, key, report):
    cli = [tool("redis-cli"), "-h", server.host, "-p", str(server.port)]
    n = 5000
    prefix = key("pipe")
    data = encode_many([("SET", prefix + b":%d" % i, b"%d" % i) for i in range(n)])
    report.repro(f"# {n} SET commands in RESP | redis-cli -p {server.port} --pipe")
    out = run(cli + ["--pipe"], "redis-cli --pipe", stdin=data)
    assert b"errors: 0, replies: %d" % n in out, (
        f"redis-cli --pipe of {n} SETs printed {show(out, 400)}; expected it to report "
        f"'errors: 0, replies: {n}'")
    with Conn(server.addr) as c:
        got = c.call("MGET", *[prefix + b":%d" % i for i in range(0, n, 499)])
    assert got == [b"%d" % i for i in range(0, n, 499)], f"after --pipe: {show(got)}"


@pytest.mark.req("KV-035")
@pytest.mark.parametrize("pipeline", [1, 16], ids=["one-at-a-time", "P16"])
def test_redis_benchmark(server, pipeline, report):
    bench = [tool("redis-benchmark"), "-h", server.host, "-p", str(server.port), "-t", "set,get",
             "-n", "3000", "-c", "8", "-q"]
    if pipeline > 1:
        bench += ["-P", str(pipeline)]
    report.repro(" ".join(["redis-benchmark"] + bench[1:]))
    out = run(bench, f"redis-benchmark -t set,get{' -P %d' % pipeline if pipeline > 1 else ''}")
    text = out.decode("latin-1")
    for t in ("SET", "GET"):
        assert f"{t}: " in text and "requests per second" in text, (
            f"redis-benchmark printed no result for {t}: {show(out, 400)}")
    with Conn(server.addr) as c:
        v = c.call("GET", "key:__rand_int__")
    assert isinstance(v, bytes) and len(v) == 3, (
        f"after redis-benchmark -t set (3-byte values), GET key:__rand_int__ gave {show(v)}")
