"""KV-034, KV-035: redis-cli and redis-benchmark, unchanged, against the
server (Debian's redis-tools; tools/install-deps installs them)."""
import math
import re
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


def run(argv, what, stdin=b"", timeout=None, stderr=False):
    """The tool's stdout (and its stderr with stderr=True); it must exit 0."""
    limit = T(60) if timeout is None else timeout
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{what}: `{' '.join(argv)}` did not finish within {limit:.0f}s "
                             f"(a request left unanswered?); its output so far: "
                             f"{show(e.stdout or b'', 300)}") from None
    assert p.returncode == 0, (f"{what}: `{' '.join(argv)}` exited {p.returncode}; stdout "
                               f"{show(p.stdout, 300)}, stderr {show(p.stderr, 300)}")
    return (p.stdout, p.stderr) if stderr else p.stdout


def whole_seconds(t):
    """A deadline for a tool's option that takes whole seconds."""
    return str(max(1, math.ceil(t)))


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
    # --pipe-timeout: redis-cli gives up once no reply has come for that
    # long after its input ended (30 s by default). The replies to 5000
    # SETs come in a stream; a silence of T(5) means they stopped.
    quiet = whole_seconds(T(5))
    report.repro(f"# {n} SET commands in RESP | redis-cli -p {server.port} --pipe "
                 f"--pipe-timeout {quiet}")
    out = run(cli + ["--pipe", "--pipe-timeout", quiet], "redis-cli --pipe", stdin=data)
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
    what = f"redis-benchmark -t set,get{' -P %d' % pipeline if pipeline > 1 else ''}"
    out, err = run(bench, what, stderr=True)
    # Its own complaints count too: redis-benchmark 7.0 prints "WARNING:
    # Could not fetch server CONFIG" when CONFIG GET save and appendonly,
    # which it asks first, are not answered as [name, value], then goes on
    # and exits 0. (An error reply to SET or GET: "Error from server: ...",
    # exit 1.)
    lines = [ln.strip() for ln in re.split(rb"[\r\n]+", out + b"\n" + err) if ln.strip()]
    bad = [ln for ln in lines if re.search(rb"WARNING|ERROR|Error", ln)]
    assert not bad, f"{what} complained: {show(bad[0], 200)}" + (
        f" (and {len(bad) - 1} more such lines)" if len(bad) > 1 else "")
    # With -q each test ends with one report line: "SET: 81967.21 requests
    # per second, p50=0.063 msec" (the progress lines before it end in \r).
    for t in ("SET", "GET"):
        assert any(re.match(rb"%s: [0-9.]+ requests per second" % t.encode(), ln)
                   for ln in lines), (
            f"{what} printed no report line for {t} (\"{t}: <n> requests per second\"); "
            f"stdout {show(out, 400)}, stderr {show(err, 200)}")
    with Conn(server.addr) as c:
        v = c.call("GET", "key:__rand_int__")
    assert isinstance(v, bytes) and len(v) == 3, (
        f"after redis-benchmark -t set (3-byte values), GET key:__rand_int__ gave {show(v)}")
