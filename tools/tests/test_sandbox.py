"""The sandbox (conformance/osnet_harness/sandbox.py, tools/sandbox/osnet-sandbox.c):
each limit holds against a tiny program that goes past it, the network
namespace reaches nothing but loopback, a setsid() daemon is found and
killed, output past the cap kills the program and fails the test, and a
program that never listens is waited for once.

Most tests start their program through the harness's own Cli (the way every
command-line tool under test is run), with the limit given in the
environment as tools/osnet would; three run tools/osnet end to end. Every
bound is a wall clock scaled by T(); none asserts a speed.
"""
import errno
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest

from osnet_harness import sandbox
from osnet_harness.cli import Cli
from osnet_harness.timeouts import T

ROOT = pathlib.Path(__file__).resolve().parents[2]
OSNET = ["/usr/bin/python3", str(ROOT / "tools" / "osnet")]
PY = "/usr/bin/python3"
ROOT_USER = os.geteuid() == 0


@pytest.fixture
def limited(monkeypatch, tmp_path):
    """run(argv, **limits) -> the Result of argv run as a command-line tool
    under test, with OSNET_MAX_<NAME>=value for each limit given."""
    clis = []

    def run(argv, timeout=None, **limits):
        for name, value in limits.items():
            monkeypatch.setenv(f"OSNET_MAX_{name.upper()}", str(value))
        c = Cli(argv[0], "probe", tmp_path)
        clis.append(c)
        return c.run(argv[1:], timeout=T(60) if timeout is None else timeout)

    yield run
    for c in clis:
        c.stop_all()


def test_sizes():
    assert sandbox.parse_size("0") == 0
    assert sandbox.parse_size("512K") == 512 << 10
    assert sandbox.parse_size("16g") == 16 << 30
    assert sandbox.format_size(256 << 20) == "256M"
    with pytest.raises(ValueError):
        sandbox.parse_size("lots")


def test_cpu_limit(limited):
    r = limited(["sh", "-c", "while :; do :; done"], cpu=1)
    assert r.status == -signal.SIGXCPU, f"a busy loop under --max-cpu 1: {r.describe()}"
    assert "--max-cpu" in r.describe()


# Maps 1 GiB without touching it (no memory used, address space taken),
# or allocates and fills 1 GiB.
RESERVE = [PY, "-c", "import mmap; m = mmap.mmap(-1, 1 << 30); print('allocated')"]
ALLOCATE = [PY, "-c", "x = bytearray(1 << 30); print('allocated')"]


def test_memory_limit_cgroup(limited):
    """With a memory cgroup, --max-memory is memory used, not address space:
    reserving past it is fine, touching past it gets the program killed by
    the cgroup's OOM killer, and the failure says so (read from the cgroup)."""
    if sandbox.memory_cgroup_base()[0] is None:
        pytest.skip(f"no memory cgroup ({sandbox.memory_cgroup_base()[1]}): "
                    f"test_memory_limit_address_space covers --max-memory")
    assert sandbox.Limits({}).memory == sandbox.parse_size(sandbox.DEFAULT_MEMORY_CGROUP)
    r = limited(RESERVE, memory="256M")
    assert r.status == 0 and r.stdout == b"allocated\n", \
        f"1 GiB reserved, not used, under --max-memory 256M: {r.describe()}"
    with pytest.raises(AssertionError, match=r"was killed: memory limit --max-memory 256M "
                                             r"reached \(memory cgroup\)"):
        limited(ALLOCATE, memory="256M")
    r = limited([PY, "-c", "x = b'x' * (300 << 20); print('allocated')"], memory="0")
    assert r.status == 0 and r.stdout == b"allocated\n", f"0 = unlimited: {r.describe()}"


def test_memory_limit_address_space(limited, monkeypatch):
    """Without a memory cgroup (not root, no cgroup v1 memory hierarchy;
    made so here), --max-memory is each process's address space."""
    monkeypatch.setitem(sandbox._cgroup_bases, "memory", (None, "left out by the test"))
    assert sandbox.Limits({}).memory == sandbox.parse_size(sandbox.DEFAULT_MEMORY_AS)
    assert "memory 16G (address space)" in sandbox.Limits({}).describe()
    r = limited(ALLOCATE, memory="256M")
    assert r.status != 0 and b"MemoryError" in r.stderr, \
        f"1 GiB under --max-memory 256M: {r.describe()}, stdout {r.stdout!r}"
    r = limited(ALLOCATE, memory="0")
    assert r.status == 0 and r.stdout == b"allocated\n", f"0 = unlimited: {r.describe()}"


def test_sanitizer_build_gets_unlimited_memory(limited, tmp_path):
    """An ASan build reserves terabytes of shadow at start: under an
    address-space limit it would not even start, so it runs without one
    (a memory cgroup, which counts only what it touches, still holds it)."""
    if not shutil.which("cc"):
        pytest.skip("no C compiler")
    src = tmp_path / "asan.c"
    src.write_text("#include <stdio.h>\nint main(void) { puts(\"ran\"); return 0; }\n")
    exe = tmp_path / "asan"
    cc = subprocess.run(["cc", "-fsanitize=address", str(src), "-o", str(exe)],
                        capture_output=True, text=True)
    if cc.returncode != 0:  # a compiler without libasan
        pytest.skip("cc -fsanitize=address fails: "
                    + (cc.stderr.strip().splitlines() or ["?"])[-1])
    assert "AddressSanitizer" in sandbox.unlimited_memory_reason([str(exe)], os.environ)
    assert sandbox.unlimited_memory_reason(["valgrind", "true"], os.environ) == "valgrind"
    assert sandbox.unlimited_memory_reason(["/bin/true"], {"PATH": "/bin"}) is None
    sb = sandbox.Sandbox([str(exe)], dict(os.environ))
    try:
        assert "--as" not in sb.command([str(exe)])
    finally:
        sb.close()
    r = limited([str(exe)], memory="1G")
    assert r.status == 0 and r.stdout == b"ran\n", f"ASan build under --max-memory 1G: " \
        f"{r.describe()}, stderr {r.stderr[-300:]!r}"


FORKS = """
import os, time
n = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print(n, e.errno, flush=True)
"""


def test_procs_limit(limited):
    if not ROOT_USER:
        pytest.skip("not root: --max-procs is RLIMIT_NPROC, counted over all of the "
                    "user's processes, so no exact count can be checked here")
    if sandbox.cgroup_base()[0] is None:
        pytest.skip(f"no pids cgroup ({sandbox.cgroup_base()[1]}): root ignores "
                    f"RLIMIT_NPROC, so --max-procs is not enforced")
    r = limited([PY, "-c", FORKS], procs=20)
    words = r.stdout.split()
    assert len(words) == 2 and int(words[1]) == errno.EAGAIN, \
        f"200 forks under --max-procs 20 did not fail with EAGAIN: {r.stdout!r} {r.describe()}"
    assert int(words[0]) < 20
    # The children it left sleeping were killed with it, and reported.
    assert r.leftover, "the forked children were not found as left behind"
    assert not any(sandbox._alive(p) for p in r.leftover)


def test_files_limit(limited):
    r = limited([PY, "-c", "import os\nfds = []\ntry:\n    while len(fds) < 1000:\n"
                 "        fds.append(os.open('/dev/null', os.O_RDONLY))\n"
                 "except OSError as e:\n    print(len(fds), e.errno)\n"], files=32)
    n, err = r.stdout.split()
    assert int(err) == errno.EMFILE and int(n) < 32, f"--max-files 32: {r.stdout!r}"


def test_fsize_limit_and_tmpdir_leftovers(limited, tmp_path, monkeypatch):
    c = Cli("sh", "probe", tmp_path)
    monkeypatch.setenv("OSNET_MAX_FSIZE", "1M")
    r = c.run(["-c", 'exec head -c 2000000 /dev/zero > "$TMPDIR/big"'])
    assert r.status == -signal.SIGXFSZ, f"2 MB into a file under --max-fsize 1M: {r.describe()}"
    notes = c.stop_all()
    assert any("TMPDIR" in n and "big" in n for n in notes), notes


def test_output_cap_kills_and_fails(limited):
    with pytest.raises(AssertionError, match=r"was killed: more than 1048576 bytes on stdout "
                                             r"\(--max-output 1M\)"):
        limited(["yes"], output="1M")
    with pytest.raises(AssertionError, match="bytes on stderr"):
        limited(["sh", "-c", "yes >&2"], output="1M")


def test_program_carries_its_tag_and_tmpdir(limited):
    r = limited(["sh", "-c", 'echo "$OSNET_SANDBOX"; echo "$TMPDIR"'])
    tag, tmp = r.stdout.decode().split()
    assert tag.startswith(sandbox.session() + "-"), tag
    assert not os.path.exists(tmp), "the program's TMPDIR outlived it"


def test_cannot_run(limited):
    with pytest.raises(AssertionError, match="cannot run .*no-such-program"):
        limited(["./no-such-program"])


def test_sandbox_binary_exit_codes():
    exe, why = sandbox.binary()
    assert exe is not None, why
    r = subprocess.run([str(exe), "--", "/nonexistent/x"], capture_output=True, text=True)
    assert r.returncode == 127 and r.stderr.startswith("osnet-sandbox: cannot run"), r
    r = subprocess.run([str(exe), "--cpu", "soon", "--", "true"], capture_output=True, text=True)
    assert r.returncode == 126 and "not a number" in r.stderr, r


def test_network_namespace_is_loopback_only(limited):
    """The session (this one too: the plugin is loaded here) and every
    program it starts see loopback alone."""
    if not ROOT_USER:
        pytest.skip("not root: no network namespace (the scorecard says so)")
    assert sandbox.enter_netns().startswith("on"), sandbox.enter_netns()
    r = limited(["cat", "/proc/self/net/dev"])
    names = [l.split(":")[0].strip() for l in r.stdout.decode().splitlines()[2:]]
    assert names == ["lo"], f"interfaces a program under test sees: {names}"
    with socket.socket() as s:
        s.settimeout(T(5))
        with pytest.raises(OSError) as e:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: routed nowhere, but routed
        assert e.value.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH), e.value
    with socket.create_server(("127.0.0.1", 0)) as srv, \
            socket.create_connection(srv.getsockname(), timeout=T(5)):
        pass


def test_kill_session_finds_setsid_daemon():
    """What tools/osnet does once pytest is gone: every process carrying a
    tag of the session is found and killed, wherever it moved."""
    sid = f"selftest-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, OSNET_SANDBOX=f"{sid}-1.1")
    p = subprocess.Popen(["setsid", "-f", "sleep", "317"], env=env)
    p.wait()
    try:
        deadline = time.monotonic() + T(10)
        while not sandbox.members(f"{sid}-") and time.monotonic() < deadline:
            time.sleep(0.01)
        found = sandbox.kill_session(sid)
        assert any("sleep 317" in d for d in found), found
        assert not sandbox.members(f"{sid}-")
    finally:
        sandbox.kill_session(sid)  # the daemon, should an assertion have failed


def osnet(args, tmp_path, timeout, **env):
    js = tmp_path / "out.json"
    env = dict(os.environ, OSNET_NO_DEPS="1", OSNET_NO_BUILD="1", **env)
    p = subprocess.run([*OSNET, "check", "echo", "--suite", "conformance", "--json", str(js),
                        *args], capture_output=True, text=True, timeout=timeout, env=env)
    tests = [t for r in json.loads(js.read_text())[0]["requirements"] for t in r["tests"]]
    return p, tests


@pytest.mark.parametrize("cgroups", [True, False], ids=["cgroup", "no-cgroup"])
def test_stop_finds_setsid_daemon(tmp_path, cgroups):
    """ECHO-016 fails a server that leaves a daemon in a session of its own,
    and the daemon is dead afterwards. Without cgroups (OSNET_NO_CGROUP=1,
    and --no-netns: a machine without them, or not root) the daemon is
    found by the tag in its environment instead, and the scorecard says
    cgroups were off."""
    # An argument no concurrent run (another selftest) uses: the /proc scan
    # below must not take its daemon for ours.
    marker = f"4000.{uuid.uuid4().int % 10 ** 9:09d}"
    impl = (f"sh -c 'setsid sleep {marker} & exec socat TCP-LISTEN:$0,bind=127.0.0.1,"
            f"reuseaddr,fork EXEC:cat' {{port}}")
    p, tests = osnet(["--impl", impl, "--req", "ECHO-016", *([] if cgroups else ["--no-netns"])],
                     tmp_path, T(120), **({} if cgroups else {sandbox.NO_CGROUP_ENV: "1"}))
    assert p.returncode == 1, p.stdout + p.stderr
    (t,) = tests
    assert t["outcome"] == "failed" and "left behind" in t["message"] \
        and f"sleep {marker}" in t["message"], t["message"]
    assert "sandbox: network namespace" in p.stdout
    if not cgroups:
        assert "network namespace off" in p.stdout, p.stdout
        assert f"cgroup off: {sandbox.NO_CGROUP_ENV} is set" in p.stdout, p.stdout
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        assert cmd != f"sleep\0{marker}\0".encode() or not sandbox._alive(pid), \
            f"the daemon is still alive: pid {pid}"


def test_server_output_cap(tmp_path):
    impl = ("sh -c 'sleep 0.2; yes flood >&2 & exec socat TCP-LISTEN:$0,bind=127.0.0.1,"
            "reuseaddr,fork EXEC:cat' {port}")
    p, tests = osnet(["--impl", impl, "--req", "ECHO-007", "--max-output", "1M"],
                     tmp_path, T(120))
    assert p.returncode == 1, p.stdout + p.stderr
    assert any(t["outcome"] in ("failed", "error") and "was killed: more than 1048576 bytes on stderr"
               in t["message"] for t in tests), [t["message"] for t in tests]


def test_never_ready_is_waited_for_twice(tmp_path):
    """Two readiness timeouts in a row (one may be a slow start on a loaded
    machine), then every later start gives up at once."""
    p, tests = osnet(["--impl", "sleep 1000 {port}", "-k", "not stop"], tmp_path, T(300))
    assert p.returncode == 1, p.stdout + p.stderr
    failed = [t for t in tests if t["outcome"] in ("failed", "error")]
    waited = [t for t in failed if "not waiting again" not in t["message"]]
    assert len(failed) > 3 and len(waited) == 2, [t["message"][:200] for t in failed]
    assert all("has not accepted connections" in t["message"] for t in waited)


def test_slow_start_resets_never_ready(tmp_path, monkeypatch):
    """A start that becomes ready resets the count: a timeout, a ready
    start, a timeout, and the next start still waits."""
    from osnet_harness import launch
    flag = tmp_path / "listen"
    # Listens only while the flag file exists: not ready, ready, not ready.
    impl = (f"sh -c 'test -e {flag} && exec socat TCP-LISTEN:$0,bind=127.0.0.1,reuseaddr,"
            f"fork EXEC:cat; exec sleep 1000' {{port}}")
    monkeypatch.setitem(launch.NEVER_READY, impl, (0, None, None))
    lch = launch.Launcher(impl, "slow", str(tmp_path))
    real_wait = launch.Server.wait_ready
    # A short wait where it cannot listen, the usual one where it can.
    monkeypatch.setattr(launch.Server, "wait_ready",
                        lambda self, timeout=None: real_wait(self, T(10) if flag.exists()
                                                             else T(1)))
    try:
        for listens in (False, True, False, False):
            if listens:
                flag.touch()
            elif flag.exists():
                flag.unlink()
            lch.test_name = f"start{len(lch.servers)}"
            if listens:
                lch.start()
                continue
            with pytest.raises(launch.LaunchError) as e:
                lch.start()
            assert "not waiting again" not in str(e.value), (lch.test_name, str(e.value))
        with pytest.raises(launch.LaunchError, match=r"as in start3: not waiting again"):
            lch.start()
    finally:
        lch.stop_all()
