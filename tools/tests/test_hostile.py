"""The hostile gallery: `osnet check echo` pointed at programs that misbehave
on purpose (conformance/broken/hostile/), one way each. What is under test is
osnet and its sandbox, not the programs: every check must end (exit 1) within
a generous bound, fail for the reason the misbehaviour calls for, and leave
nothing behind - no process of the run, no listening socket on its ports -
which this file checks by scanning /proc itself, independently of the harness.

The selection is the cheapest one that shows each misbehaviour, with
--suite conformance: a test or two of ECHO-002/003 for a program that serves
wrong or not at all (more tests only where they add something: the
never-listening program's third and later tests show the fail-fast, which
waits twice), ECHO-016 for those
that stop wrong, ECHO-001 for the ones that never become ready (its only test
starts two instances). Each run costs at most one 10 s wait (readiness, an
idle client, a stop; the never-listening one two readiness waits), so the
whole file takes about the longest of them once make selftest spreads it
over its workers.

Limits are given on the command line where the misbehaviour would otherwise
be held only by a default meant for real programs: --max-procs 64 for the
fork bomb, --max-memory 256M for the allocator, --max-output 1M for the
stderr flood. The fork bomb and the allocator also refuse to run outside such
a cage (they check for themselves), so a gap here cannot take the machine down.
"""
import glob
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from osnet_harness.timeouts import T

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")
HOSTILE = BUILD / "broken" / "hostile"
OSNET = ["/usr/bin/python3", str(ROOT / "tools" / "osnet")]


# The sandbox flags used here, as the JSON's "limits" records them.
LIMIT_KEYS = {"--max-procs": "procs", "--max-memory": "memory", "--max-output": "output"}


def size(text):
    """'256M' -> 268435456, '64' -> 64."""
    return int(text[:-1]) << {"K": 10, "M": 20, "G": 30}[text[-1]] if text[-1] in "KMG" \
        else int(text)


class Case:
    def __init__(self, select, expect, limits=(), check=None, every_test_fails=False):
        self.select = list(select)   # which tests (--req, -k)
        self.expect = expect         # a regex one failing test's reason must match
        self.limits = list(limits)   # sandbox flags for this program
        self.check = check           # f(run) -> further assertions
        self.every_test_fails = every_test_fails


def fail_fast(run):
    """A program that never becomes ready is waited for twice in a row (once
    might be a slow start on a loaded machine): every later start of the
    session gives up at once, naming the test that waited last."""
    failed = run.failed()
    assert len(failed) >= 3, f"expected every selected test to fail: {run.summary()}"
    waited, later = failed[:2], failed[2:]
    for t in waited:
        assert "not waiting again" not in t["message"], run.summary()
    for t in later:
        assert re.search(r"as in \S+: not waiting again", t["message"]), (
            f"{t['nodeid']} waited for readiness again (no fail-fast):\n{t['message']}")


def real_port_closed(run):
    """wrong-port says on stderr where it really listened; that port must be
    closed afterwards too."""
    ports = {int(p) for p in re.findall(r"listening on port (\d+)", run.logs_text())}
    assert ports, f"wrong-port's stderr (kept in the artifacts) names no port: {run.summary()}"
    run.ports |= ports


def bomb_was_caged(run):
    """The bomb ran inside a limit (it refuses to run otherwise, and would then
    fail as 'exited ... before it accepted', which `expect` does not match):
    for root, only a pids cgroup is one."""
    assert "refusing to run" not in run.logs_text(), run.summary()
    if os.geteuid() == 0:
        assert run.data["sandbox"]["cgroup"].startswith("pids"), run.data["sandbox"]
        # The failure says why it never listened: its forks hit the cage.
        assert any(re.search(r"reached its process limit \(--max-procs 64\): \d+ fork",
                             t["message"]) for t in run.failed()), run.summary()


def allocation_stopped_at_limit(run):
    """The allocator says how much it holds every 64 MiB; it must have been
    stopped below the 256 MiB limit, and its death named: in a memory cgroup
    (root) the failure names the limit, read from the cgroup's count of OOM
    kills; under an address-space limit malloc failed and it died of SIGSEGV."""
    held = [int(m) for m in re.findall(r"holding (\d+) MiB", run.logs_text())]
    assert held, f"it never got to allocate (refused to run?): {run.summary()}"
    assert max(held) < 256, f"it held {max(held)} MiB under --max-memory 256M"
    if run.data["sandbox"]["memory"] == "memory cgroup":
        assert any("was killed: memory limit --max-memory 256M reached (memory cgroup)"
                   in t["message"] for t in run.failed()), (
            f"the failure does not name the memory limit: {run.summary()}")
    else:
        assert re.search(r"killed by SIGSEGV", run.everything()), (
            f"the allocator's death is not reported: {run.summary()}")


def output_was_capped(run):
    """What the harness kept of the flood is --max-output's worth, not
    gigabytes: the first 1 MiB, a note of what was left out, and at most the
    last 64 KiB (osnet_harness.sandbox.Capture)."""
    logs = [p for p in run.artifacts.rglob("*-std*.log") if p.is_file()]
    assert logs, f"no stdout/stderr logs kept in {run.artifacts}"
    for p in logs:
        assert p.stat().st_size <= (1 << 20) + (64 << 10) + 200, (
            f"{p} holds {p.stat().st_size} bytes under --max-output 1M")
    assert "left out by the test harness" in run.logs_text(), run.summary()


CASES = {
    "never-listens": Case(["--req", "ECHO-002", "--req", "ECHO-003"],
                          r"has not accepted connections on 127\.0\.0\.1:\d+ within",
                          check=fail_fast, every_test_fails=True),
    "wrong-port": Case(["--req", "ECHO-001"], r"has not accepted connections on .* within",
                       check=real_port_closed, every_test_fails=True),
    "accepts-never-answers": Case(["--req", "ECHO-002", "-k", "test_nul_first"],
                                  r"received 0 bytes \(then: timeout"),
    "answers-forever": Case(["--req", "ECHO-002", "-k", "test_nul_first"],
                            r"bytes differ\n.*\nfirst difference at byte offset 0"),
    "fork-bomb": Case(["--req", "ECHO-001"], r"has not accepted connections on .* within",
                      limits=["--max-procs", "64"], check=bomb_was_caged, every_test_fails=True),
    "allocates-until-killed": Case(["--req", "ECHO-002", "-k", "test_nul_first"],
                                   r"killed: memory limit --max-memory 256M reached"
                                   r"|received \d+ bytes \(then: (eof|reset)",
                                   limits=["--max-memory", "256M"],
                                   check=allocation_stopped_at_limit),
    "ignores-sigterm": Case(["--req", "ECHO-016"], r"did not exit within \d+s of SIGTERM"),
    "daemon": Case(["--req", "ECHO-016"],
                   r"processes left behind after SIGTERM: \d+ \S*hostile/daemon"),
    "stderr-flood": Case(["--req", "ECHO-002", "-k", "test_nul_first"],
                         r"killed: more than \d+ bytes on stderr",
                         limits=["--max-output", "1M"], check=output_was_capped),
    "crash-after-n": Case(["--req", "ECHO-003", "-k", "test_many_small_writes"],
                          r"killed by SIGSEGV"),
}


# ---- looking at the machine ourselves ------------------------------------------


def read(path, mode="rb"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def live_pids():
    """Every pid on the machine that is not a zombie (a zombie holds nothing)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            stat = read(f"/proc/{d}/stat")
            if stat and stat[stat.rindex(b")") + 2:][:1] not in (b"Z", b"X"):
                out.append(int(d))
    return out


def cmdline(pid):
    raw = read(f"/proc/{pid}/cmdline") or b""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def tags(pid):
    """The OSNET_SANDBOX tags in pid's environment (one, or none)."""
    env = read(f"/proc/{pid}/environ") or b""
    return [e[len(b"OSNET_SANDBOX="):].decode(errors="replace")
            for e in env.split(b"\0") if e.startswith(b"OSNET_SANDBOX=")]


def ours(pid, session):
    return any(t.startswith(f"{session}-") for t in tags(pid))


def foreign(pid, session):
    """Whether pid belongs to some other osnet run: another test of this
    file running the same binary, or one that was handed the same port
    number as soon as this run released it."""
    return bool(tags(pid)) and not ours(pid, session)


def processes_of(session, binary):
    """'pid cmdline' of every live process that carries the run's sandbox tag
    in its environment, or runs the hostile binary and carries no other
    run's tag (one that scrubbed its environment is caught that way)."""
    exe = os.path.realpath(binary)  # /proc/PID/exe is the resolved path
    found = []
    for pid in live_pids():
        if pid == os.getpid():
            continue
        try:
            runs = os.readlink(f"/proc/{pid}/exe").startswith(exe)
        except OSError:
            runs = False
        if ours(pid, session) or (runs and not foreign(pid, session)):
            found.append(f"{pid} {cmdline(pid)}")
    return found


def folders_of(session):
    """The run's per-program TMPDIRs and cgroups (pids and memory, each
    named after its sandbox tag), which the harness removes when it stops
    the program."""
    return sorted(glob.glob(os.path.join(tempfile.gettempdir(), f"{session}-*"))
                  + glob.glob(f"/sys/fs/cgroup/pids/**/{session}*", recursive=True)
                  + glob.glob(f"/sys/fs/cgroup/memory/**/{session}*", recursive=True))


def wait_gone(session, binary, limit):
    """The run's processes and folders still there after `limit` seconds
    (SIGKILL is asynchronous: a process killed just before osnet exited may
    take a moment to go, and its cgroup with it)."""
    deadline = time.monotonic() + limit
    while ((left := processes_of(session, binary) + folders_of(session))
           and time.monotonic() < deadline):
        time.sleep(0.05)
    return left


def socket_owners(inode):
    """Pids holding socket inode (any network namespace)."""
    target = f"socket:[{inode}]"
    owners = []
    for pid in live_pids():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    owners.append(pid)
                    break
            except OSError:
                pass
    return owners


def listeners(ports):
    """[(port, inode)] of TCP sockets in LISTEN on any of `ports`, in every
    network namespace a live process is in (the run may have had its own)."""
    seen_ns, found = set(), set()
    for pid in [os.getpid()] + live_pids():
        try:
            ns = os.readlink(f"/proc/{pid}/ns/net")
        except OSError:
            continue
        if ns in seen_ns:
            continue
        seen_ns.add(ns)
        for table in ("tcp", "tcp6"):
            for line in (read(f"/proc/{pid}/net/{table}", "r") or "").splitlines()[1:]:
                f = line.split()
                port = int(f[1].rsplit(":", 1)[1], 16)
                if f[3] == "0A" and port in ports:  # 0A: TCP_LISTEN
                    found.add((port, int(f[9])))
    return sorted(found)


def kill_all(session, binary):
    """Our own last resort when the run overran its bound or left something:
    its processes killed, its folders removed (deepest first: a cgroup goes
    only once its children have)."""
    for entry in processes_of(session, binary):
        try:
            os.kill(int(entry.split()[0]), signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + T(5)  # a cgroup is removable once its members are gone
    while processes_of(session, binary) and time.monotonic() < deadline:
        time.sleep(0.05)
    for d in sorted(folders_of(session), key=len, reverse=True):
        if d.startswith("/sys/fs/cgroup/"):
            try:
                os.rmdir(d)
            except OSError:
                pass
        else:
            shutil.rmtree(d, ignore_errors=True)


# ---- one run of osnet ---------------------------------------------------------------


class Run:
    def __init__(self, data, artifacts, stdout):
        self.data, self.artifacts, self.stdout = data, artifacts, stdout
        self.tests = [t for r in data["requirements"] for t in r["tests"]]
        self.ports = set()

    def failed(self):
        return [t for t in self.tests if t["outcome"] in ("failed", "error")]

    def logs_text(self):
        """Everything the program wrote that the harness kept."""
        return "\n".join(p.read_text(errors="replace") for p in self.artifacts.rglob("*.log")
                         if p.is_file() and p.name != "pytest.log")

    def everything(self):
        return "\n".join(t["message"] + "\n" + t["stderr_tail"] + "\n" + "\n".join(t["cleanup"])
                         for t in self.tests)

    def summary(self):
        rows = [f"  {t['outcome']:<7} {t['nodeid'].split('::')[-1]}: "
                f"{t['message'][:600]} {t['cleanup']}" for t in self.tests]
        return "tests:\n" + "\n".join(rows) + "\nosnet's output ends:\n" + self.stdout[-3000:]


def osnet_check(name, case, session, tmp_path, extra=()):
    """Runs the check in its own process group under a wall-clock bound, with
    `session` as the sandbox's session id; returns the Run."""
    binary = HOSTILE / name
    js, art = tmp_path / "results.json", tmp_path / "artifacts"
    env = dict(os.environ, OSNET_NO_DEPS="1", OSNET_NO_BUILD="1", OSNET_SANDBOX_SESSION=session)
    cmd = [*OSNET, "check", "echo", "--impl", f"{binary} --host {{host}} --port {{port}}",
           "--suite", "conformance", *case.select, *case.limits, *extra,
           "--json", str(js), "--artifacts", str(art), "-q"]
    bound = T(120)
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        kill_all(session, binary)
        pytest.fail(f"osnet did not finish within {bound:.0f}s against {name}:\n{out[-3000:]}")
    assert p.returncode == 1, (f"osnet must exit 1 (a MUST failed) against {name}, "
                               f"not {p.returncode}:\n{out[-3000:]}")
    data = json.loads(js.read_text())
    assert len(data) == 1, data
    return Run(data[0], art, out)


@pytest.mark.parametrize("name,extra", [(n, ()) for n in CASES]
                         + [("daemon", ("--no-netns",))],
                         ids=[*CASES, "daemon-no-netns"])
def test_hostile_program_is_caught(name, extra, tmp_path):
    case = CASES[name]
    binary = HOSTILE / name
    if name == "fork-bomb" and os.geteuid() == 0 and not os.access("/sys/fs/cgroup/pids", os.W_OK):
        # Root ignores RLIMIT_NPROC: only a pids cgroup holds a bomb.
        pytest.skip("root without a writable pids cgroup hierarchy: nothing would hold a fork bomb")
    assert binary.exists(), f"{binary} is not built (make all)"
    session = f"hostile-{name}-{uuid.uuid4().hex[:12]}"
    try:
        run = osnet_check(name, case, session, tmp_path, extra)
        assert run.data.get("error") is None, f"the suite could not run: {run.data['error']}"
        failed = run.failed()
        assert failed, f"nothing failed against {name}: {run.summary()}"
        broke = [t for t in failed if t.get("failure_kind") == "harness"]
        assert not broke, f"a test itself broke (harness error) against {name}: {run.summary()}"
        assert any(re.search(case.expect, t["message"]) for t in failed), (
            f"no failure says /{case.expect}/: {run.summary()}")
        assert any(r["status"] == "FAIL" for r in run.data["requirements"]), run.summary()
        sb = run.data["sandbox"]
        # tools/osnet derives each run's own session from the one given.
        assert sb["session"].startswith(f"{session}-r"), sb
        for flag, value in zip(case.limits[::2], case.limits[1::2]):
            assert sb["limits"][LIMIT_KEYS[flag]] == size(value), (flag, value, sb)
        if "--no-netns" in extra:
            assert sb["netns"].startswith("off"), sb
        if case.every_test_fails:
            assert len(failed) == len(run.tests), run.summary()
        left = run.data.get("left_behind")
        assert not left, f"osnet found processes still alive after pytest exited: {left}"
        # The ports the program was given, as the failure reports and its own
        # "listening on" lines name them.
        run.ports |= {int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)",
                                                  run.everything() + run.logs_text())}
        if case.check:
            case.check(run)
    finally:
        # Independent of osnet's own cleanup: scan the machine.
        left = wait_gone(session, binary, T(5))
        kill_all(session, binary)
    assert not left, f"still there after osnet exited: {left}"
    # A socket counts if a process of this run holds it, or if it is in this
    # test's own network namespace (where a --no-netns run's ports are) and
    # no other run's program holds it. Not one in another namespace held by
    # untagged processes: other sessions' pytest and fake backends are
    # handed the same port numbers in namespaces of their own.
    mine = {int(entry.split()[0]) for entry in processes_of(session, binary)}
    here = {inode for table in ("tcp", "tcp6")
            for line in (read(f"/proc/thread-self/net/{table}", "r") or "").splitlines()[1:]
            for inode in [int(line.split()[9])]}
    open_ports = [(port, inode) for port, inode in listeners(run.ports)
                  if mine & set(owners := socket_owners(inode))
                  or (inode in here and not all(foreign(pid, session) for pid in owners or [0]))]
    assert not open_ports, f"still listening after osnet exited: {open_ports}"
