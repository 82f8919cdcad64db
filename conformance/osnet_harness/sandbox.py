"""The sandbox every program under test runs in.

The programs osnet checks are written by someone else: a student's first
server may fork forever, allocate until the machine swaps, write gigabytes
to stderr, or detach a daemon that outlives the test. So each one starts
through osnet-sandbox (tools/sandbox/osnet-sandbox.c), which, before it
execs the program:

- joins a fresh pids cgroup (when we are root and cgroup v1's pids
  hierarchy is there), whose pids.max caps processes and threads together;
- joins a fresh memory cgroup likewise, whose memory.limit_in_bytes caps
  the memory all its processes really use (resident, page cache included;
  swap too, through memory.memsw.limit_in_bytes): past it the kernel's OOM
  killer kills one of them, and the cgroup counts it (oom_kill);
- sets RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_AS only where there
  is no memory cgroup (address space is a poor measure of memory: a JVM,
  V8 or a sanitizer reserves far more than it uses), and RLIMIT_NPROC
  when not root (root is exempt from it, so only the cgroup stops a fork
  bomb run as root);
- asks for SIGKILL should the harness die.

The harness gives each program a tag, OSNET_SANDBOX=<session>-<pid>.<n>, in
its environment and a fresh TMPDIR, and keeps at most OSNET_MAX_OUTPUT bytes
of each of its stdout and stderr (past that it is killed). When the program
is stopped, "every process it started" is every member of its cgroup, or
without one every process whose environment carries its tag: a daemon that
called setsid() is found all the same (one that also rewrote its
environment escapes the second way only). These are safety nets against
accidents, not a wall against a program that sets out to escape as root:
root may raise its own hard limits and leave its cgroup.

The limits come from environment variables (tools/osnet sets them from its
flags), so tools/check-broken and a plain pytest run get them too. The
pytest session also enters a network namespace of its own (enter_netns),
where only loopback exists. Everything here degrades to a one-line note
(info()) when it cannot be done: not root, no cgroups, no namespaces.

Stdlib only: tools/osnet imports it before the packages are installed.
"""
import ctypes
import fcntl
import os
import pathlib
import re
import secrets
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

from .timeouts import T, multiplier

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tools" / "sandbox" / "osnet-sandbox.c"

# name: (environment variable, flag, default, what it is). Sizes take K/M/G.
LIMITS = {
    "cpu": ("OSNET_MAX_CPU", "--max-cpu", None,
            "seconds of CPU time per process (RLIMIT_CPU; default 600, times "
            "--timeout-multiplier)"),
    "memory": ("OSNET_MAX_MEMORY", "--max-memory", None,
               "memory of one program: with a memory cgroup (root, cgroup v1) the memory "
               "its processes use together, default 4G; otherwise the address space of "
               "each process (RLIMIT_AS), default 16G, unlimited for ASan/TSan/MSan builds "
               "and valgrind, which reserve terabytes; 0 = unlimited"),
    "procs": ("OSNET_MAX_PROCS", "--max-procs", "4096",
              "processes and threads of one program (a pids cgroup when root, else "
              "RLIMIT_NPROC, which counts all of the user's; default 4096)"),
    "files": ("OSNET_MAX_FILES", "--max-files", "8192",
              "open descriptors per process (RLIMIT_NOFILE; default 8192: the 1000-client "
              "tests need over 1000, a proxy twice that)"),
    "fsize": ("OSNET_MAX_FSIZE", "--max-fsize", "1G",
              "largest file a program may write (RLIMIT_FSIZE; default 1G)"),
    "output": ("OSNET_MAX_OUTPUT", "--max-output", "256M",
               "bytes kept of each of stdout and stderr; past it the program is killed and "
               "the test fails (default 256M: the largest legitimate output is a 100 MB line)"),
}
NO_NETNS_ENV = "OSNET_NO_NETNS"
# OSNET_NO_CGROUP=1: no cgroups even where they could be had, so that the
# fallbacks (members found by tag, RLIMIT_AS) can be run and tested as root.
NO_CGROUP_ENV = "OSNET_NO_CGROUP"
SESSION_ENV = "OSNET_SANDBOX_SESSION"
TAG_ENV = "OSNET_SANDBOX"
DEFAULT_CPU = 600
# --max-memory's default. In a memory cgroup it counts what the program
# really uses, all its processes together: 4G is far above what any test
# needs, and four programs graded at once stay within a 24 GiB machine.
# As an address space (RLIMIT_AS, per process) it must leave room for
# reservations never used: 1000 threads with 8 MiB stacks fit in 16G.
DEFAULT_MEMORY_CGROUP = "4G"
DEFAULT_MEMORY_AS = "16G"
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text):
    """'16G' -> 17179869184 ('512K', '100M', '0', '4096'); ValueError if not a size."""
    m = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)i?B?\s*", str(text), re.I)
    if not m:
        raise ValueError(f"not a size: {text!r} (a number with an optional K, M or G)")
    return int(m.group(1)) * UNITS[m.group(2).upper()]


def format_size(n):
    """17179869184 -> '16G'; 0 -> 'unlimited'."""
    if not n:
        return "unlimited"
    for unit in ("T", "G", "M", "K"):
        if n % UNITS[unit] == 0:
            return f"{n // UNITS[unit]}{unit}"
    return str(n)


class Limits:
    """The limits in force, from the environment; 0 means none.
    memory_cgroup: whether --max-memory is a memory cgroup's limit (else
    RLIMIT_AS), which also decides its default."""

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.problems = []
        self.memory_cgroup = memory_cgroup_base()[0] is not None
        for name, (var, flag, default, _) in LIMITS.items():
            if name == "cpu":
                default = str(int(DEFAULT_CPU * multiplier()))
            elif name == "memory":
                default = DEFAULT_MEMORY_CGROUP if self.memory_cgroup else DEFAULT_MEMORY_AS
            try:
                value = parse_size(env.get(var) or default)
            except ValueError as e:
                self.problems.append(f"{var}: {e}; using {default}")
                value = parse_size(default)
            setattr(self, name, value)

    def memory_text(self):
        """'4G (memory cgroup)', '16G (address space)' or 'unlimited'."""
        if not self.memory:
            return "unlimited"
        return format_size(self.memory) + (" (memory cgroup)" if self.memory_cgroup
                                           else " (address space)")

    def describe(self):
        return (f"cpu {self.cpu or 'unlimited'}{'s' if self.cpu else ''}, "
                f"memory {self.memory_text()}, procs {self.procs or 'unlimited'}, "
                f"files {self.files or 'unlimited'}, fsize {format_size(self.fsize)}, "
                f"output {format_size(self.output)}")

    def as_dict(self):
        return {name: getattr(self, name) for name in LIMITS}


def add_arguments(parser):
    """The limit flags of `osnet check` (and `osnet grade`) on an argparse parser."""
    g = parser.add_argument_group("sandbox (every program under test runs inside these limits)")
    for name, (var, flag, default, what) in LIMITS.items():
        g.add_argument(flag, metavar="SEC" if name == "cpu" else
                       ("N" if name in ("procs", "files") else "SIZE"),
                       dest=f"sandbox_{name}", help=f"{what}; sets {var}")
    g.add_argument("--no-netns", action="store_true", dest="sandbox_no_netns",
                   help="do not run the tests in a network namespace of their own (one "
                        f"where only loopback exists; root only); sets {NO_NETNS_ENV}=1")


def env_from_args(args):
    """{variable: value} for the limit flags given; ValueError for a bad value."""
    env = {}
    for name, (var, flag, _, _) in LIMITS.items():
        value = getattr(args, f"sandbox_{name}", None)
        if value is not None:
            try:
                parse_size(value)
            except ValueError as e:
                raise ValueError(f"{flag}: {e}") from None
            env[var] = str(value)
    if getattr(args, "sandbox_no_netns", False):
        env[NO_NETNS_ENV] = "1"
    return env


# ---- sanitizers: builds that need their address space unlimited -------------

SANITIZER_SYMBOLS = ((b"__asan_init", "an AddressSanitizer build"),
                     (b"__hwasan_init", "a HWAddressSanitizer build"),
                     (b"__tsan_init", "a ThreadSanitizer build"),
                     (b"__msan_init", "a MemorySanitizer build"))
SANITIZER_ENV = ("ASAN_OPTIONS", "TSAN_OPTIONS", "MSAN_OPTIONS", "HWASAN_OPTIONS")
_scanned = {}


def _sanitizer_in(path):
    """What sanitizer the executable at path was built with, or None. Its
    runtime's entry point is a symbol in the file (whether the runtime is
    linked statically, as clang does, or as libasan.so, as gcc does: then
    the program calls __asan_init itself)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _scanned:
        found = None
        try:
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    f.seek(0)
                    data = f.read()
                    found = next((what for sym, what in SANITIZER_SYMBOLS if sym in data), None)
        except OSError:
            pass
        _scanned[key] = found
    return _scanned[key]


def unlimited_memory_reason(argv, env):
    """Why this command must run without an address-space limit, or None:
    a sanitizer build (ASan and TSan reserve terabytes of shadow memory at
    start and fail under any RLIMIT_AS), valgrind, or sanitizer options in
    its environment. Every word of the command that names an executable is
    looked at, so a wrapper (fiu-run, strace, setarch) does not hide one."""
    for var in SANITIZER_ENV:
        if env.get(var) is not None:
            return f"{var} is set"
    for word in argv:
        base = os.path.basename(word)
        if base.startswith("valgrind"):
            return "valgrind"
        path = word if "/" in word else shutil.which(word, path=env.get("PATH"))
        if path and os.path.isfile(path):
            what = _sanitizer_in(path)
            if what:
                return f"{word} is {what}"
    return None


# ---- the session and its programs -------------------------------------------

_session = None
_counter = 0
_lock = threading.Lock()


def session():
    """This run's name: OSNET_SANDBOX_SESSION when the caller chose one
    (tools/osnet does, to find what is left once pytest is gone), else
    made up once per process."""
    global _session
    if _session is None:
        given = os.environ.get(SESSION_ENV, "")
        _session = given if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", given) else \
            f"osnet-{os.getpid()}-{secrets.token_hex(3)}"
    return _session


def new_session_id():
    """A fresh session name for a caller that starts pytest (tools/osnet)."""
    return f"osnet-{os.getpid()}-{secrets.token_hex(4)}"


def _next_tag():
    global _counter
    with _lock:
        _counter += 1
        return f"{session()}-{os.getpid()}.{_counter}"


def _read(path, binary=False):
    try:
        with open(path, "rb" if binary else "r") as f:
            return f.read()
    except OSError:
        return None


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name, or None."""
    data = _read(f"/proc/{pid}/stat", binary=True)
    if not data or b")" not in data:
        return None
    return data[data.rindex(b")") + 2:].split()


def _alive(pid):
    st = _stat_fields(pid)
    return st is not None and st[0] != b"Z"


def members(prefix):
    """Live processes (zombies left out) whose environment carries
    OSNET_SANDBOX=<prefix>..., a whole tag or the start of one (a session
    and its '-'). Reads every /proc/PID/environ: a few milliseconds."""
    needle = b"\0" + f"{TAG_ENV}={prefix}".encode()
    exact = not prefix.endswith("-")
    me = os.getpid()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        env = _read(f"/proc/{d}/environ", binary=True)
        if not env:
            continue
        i = (b"\0" + env).find(needle)
        if i < 0:
            continue
        if exact:
            end = (b"\0" + env + b"\0")[i + len(needle):i + len(needle) + 1]
            if end != b"\0":
                continue
        if _alive(d):
            pids.append(int(d))
    return sorted(pids)


def describe(pids):
    out = []
    for p in pids:
        cmd = _read(f"/proc/{p}/cmdline", binary=True)
        cmd = cmd.replace(b"\0", b" ").decode(errors="replace").strip() if cmd else "?"
        out.append(f"{p} {cmd[:200]}")
    return out


def _kill_until_gone(find, deadline):
    """SIGKILL whatever find() returns until it returns nothing; every pid seen."""
    seen = []
    while True:
        pids = find()
        if not pids:
            return seen
        seen += [p for p in pids if p not in seen]
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return seen
        time.sleep(0.01)


# ---- cgroups ---------------------------------------------------------------

PIDS_ROOT = pathlib.Path("/sys/fs/cgroup/pids")
MEMORY_ROOT = pathlib.Path("/sys/fs/cgroup/memory")
CGROUP_ROOTS = {"pids": PIDS_ROOT, "memory": MEMORY_ROOT}
_cgroup_bases = {}


def cgroup_base():
    """(folder under which this session's pids cgroups go, None) or (None,
    why not). The folder is under this process's own pids cgroup, so the
    limits of whatever contains us still apply."""
    return _base_of("pids")


def memory_cgroup_base():
    """The same for the memory cgroups: (folder, None) or (None, why not)."""
    return _base_of("memory")


def _base_of(controller):
    if controller not in _cgroup_bases:
        _cgroup_bases[controller] = _find_cgroup_base(controller)
    return _cgroup_bases[controller]


def session_cgroup(session_id, controller="pids"):
    """Where a session's cgroups of a controller go: under this process's
    own cgroup of that controller (tools/osnet and the pytest it starts
    share it)."""
    own = "/"
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            own = path
    name = session_id if session_id.startswith("osnet") else f"osnet-{session_id}"
    return CGROUP_ROOTS[controller] / own.lstrip("/") / name


def _find_cgroup_base(controller):
    root = CGROUP_ROOTS[controller]
    if os.environ.get(NO_CGROUP_ENV):
        return None, f"{NO_CGROUP_ENV} is set"
    if os.geteuid() != 0:
        return None, "not root"
    if not (root / "cgroup.procs").exists():
        return None, f"no cgroup v1 {controller} hierarchy at {root}"
    base = session_cgroup(session(), controller)
    _sweep(base.parent)
    try:
        base.mkdir(exist_ok=True)
    except OSError as e:
        return None, f"cannot make a {controller} cgroup under {base.parent}: {e.strerror}"
    return base, None


def _sweep(parent):
    """Remove the empty cgroups of sessions whose process is gone (osnet-PID-...;
    a session killed before it could clean up)."""
    for d in parent.glob("osnet-*"):
        m = re.match(r"osnet-(\d+)-", d.name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            for sub in d.glob("*/"):
                if not cgroup_procs(sub):
                    _rmdir(sub, 1)
            _rmdir(d, 1)


_tmpdirs_swept = False


def _sweep_tmpdirs():
    """Once per process: remove the programs' TMPDIRs (osnet-...-<pid>.<n>.*)
    whose pytest process is gone, killed before it could remove them. Of a
    live one's, none is touched: its programs may still be running."""
    global _tmpdirs_swept
    if _tmpdirs_swept:
        return
    _tmpdirs_swept = True
    for d in pathlib.Path(tempfile.gettempdir()).glob("osnet-*"):
        m = re.search(r"-(\d+)\.\d+\.\w+$", d.name)
        try:
            stale = (m and not os.path.exists(f"/proc/{m.group(1)}") and d.is_dir()
                     and d.stat().st_uid == os.geteuid())
        except OSError:
            continue
        if stale:
            shutil.rmtree(d, ignore_errors=True)


def cgroup_procs(path):
    text = _read(path / "cgroup.procs")
    return [int(x) for x in text.split()] if text else []


def _rmdir(path, tries=50):
    """Remove a cgroup folder; a task that has just exited may keep it busy
    for a moment."""
    for _ in range(tries):
        try:
            path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.01)
    return False


def _stuck(d):
    """The note for a cgroup folder that could not be removed because some
    of its tasks would not die (a process stuck in the kernel, D state)."""
    pids = [p for p in cgroup_procs(d) if _alive(p)]
    return (f"could not kill {'; '.join(describe(pids)) if pids else 'its last tasks'}; "
            f"cgroup {d} left")


def _empty_and_remove(d):
    """Kill every task of cgroup folder d (a pids one first forbids forks)
    and remove it; the pids killed."""
    try:
        (d / "pids.max").write_text("0")
    except OSError:
        pass
    pids = _kill_until_gone(lambda: [p for p in cgroup_procs(d) if _alive(p)],
                            time.monotonic() + T(5))
    _rmdir(d)
    return pids


def memory_kills(d):
    """How many processes the OOM killer killed in memory cgroup folder d
    because its limit was reached (memory.oom_control's oom_kill). Kernels
    before 4.13 do not count them: there, 1 if the usage ever reached the
    limit (failcnt, max_usage_in_bytes), which a program that used no more
    than its limit cannot do. None if d cannot be read."""
    text = _read(d / "memory.oom_control")
    if text is None:
        return None
    m = re.search(r"^oom_kill (\d+)$", text, re.M)
    if m:
        return int(m.group(1))
    try:
        hit = int(_read(d / "memory.failcnt") or 0) > 0 and \
            int(_read(d / "memory.max_usage_in_bytes") or 0) >= \
            int(_read(d / "memory.limit_in_bytes") or 1 << 62)
    except ValueError:
        return None
    return int(hit)


def memory_killed_text(limit):
    """The reason a program whose memory cgroup's OOM killer struck fails."""
    return f"killed: memory limit --max-memory {format_size(limit)} reached (memory cgroup)"


def cleanup_session_cgroups(session_id):
    """Kill every task in the cgroups of a session and remove them; the
    processes killed ("pid cmdline"). For tools/osnet, after pytest exits."""
    if os.geteuid() != 0:
        return []
    found = []
    for controller in CGROUP_ROOTS:
        base = session_cgroup(session_id, controller)
        if not base.is_dir():
            continue
        for d in sorted(p for p in base.iterdir() if p.is_dir()):
            found += [x for x in describe(_empty_and_remove(d)) if x not in found]
            if d.exists():
                found.append(_stuck(d))
        _rmdir(base)
    return found


def kill_session(session_id):
    """Kill every process of a session (its cgroups' members, and every
    process carrying one of its tags); their descriptions. tools/osnet calls
    it once pytest has exited: anything found was left behind."""
    found = cleanup_session_cgroups(session_id)
    prefix = f"{session_id}-"
    seen = {}
    for _ in range(100):
        pids = members(prefix)
        if not pids:
            break
        for p in pids:
            seen.setdefault(p, describe([p])[0])
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    # Their TMPDIRs too: a program killed here never had its own removed.
    for d in pathlib.Path(tempfile.gettempdir()).glob(f"{session_id}-*"):
        shutil.rmtree(d, ignore_errors=True)
    return found + [d for d in seen.values() if d not in found]


# ---- the network namespace ----------------------------------------------------

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
FIONREAD = 0x541B
_netns = None


def enter_netns(stay=None):
    """Moves this process (the pytest session, before it starts anything)
    into a new network namespace with loopback up: the program under test,
    the test's clients, tcpdump and every helper then reach 127.0.0.1 and
    ::1 and nothing else. Returns a one-line note of what happened.
    unshare() moves the calling thread only: call it from the thread that
    runs the tests (threads it starts later follow it; an xdist worker's
    I/O thread stays behind, harmlessly). That is also why the socket
    tables are read from /proc/thread-self. stay: a reason not to."""
    global _netns
    if _netns is not None:
        return _netns
    if stay:
        _netns = f"off ({stay})"
    elif os.environ.get(NO_NETNS_ENV):
        _netns = f"off ({NO_NETNS_ENV} / --no-netns)"
    elif os.geteuid() != 0:
        _netns = "off: not root (the tests can reach the network)"
    else:
        _netns = _unshare_net()
    return _netns


def _unshare_net():
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        old = os.open("/proc/self/ns/net", os.O_RDONLY)
    except OSError as e:
        return f"off: cannot open /proc/self/ns/net: {e.strerror}"
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            return f"off: unshare(CLONE_NEWNET): {os.strerror(ctypes.get_errno())}"
        try:
            _loopback_up()
        except OSError as e:
            # Back to where we were: a namespace without loopback is useless.
            libc.setns(old, CLONE_NEWNET)
            return f"off: cannot bring loopback up in a new namespace: {e.strerror}"
        return "on (loopback only)"
    finally:
        os.close(old)


def _loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


# ---- the osnet-sandbox binary -------------------------------------------------

_binary = None


def binary():
    """(path of osnet-sandbox, None) or (None, why there is none). Built by
    make; compiled here if missing or older than its source (a direct
    pytest run on a fresh checkout), under a temporary name then renamed, as
    several sessions may do it at once."""
    global _binary
    if _binary is None:
        _binary = _find_binary()
    return _binary


def _find_binary():
    out = ROOT / os.environ.get("OSNET_BUILD", "build") / "tools" / "osnet-sandbox"
    try:
        if out.exists() and out.stat().st_mtime >= SOURCE.stat().st_mtime:
            return out, None
    except OSError:
        pass
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    cmd = [os.environ.get("CC", "cc"), "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", str(SOURCE),
           "-o", str(tmp)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        return None, f"osnet-sandbox is not built and there is no C compiler ({e.strerror})"
    if p.returncode != 0:
        return None, "osnet-sandbox does not compile: " + (p.stderr.strip().splitlines() or ["?"])[0]
    os.replace(tmp, out)
    return out, None


def _user_tasks():
    """Processes and threads of this user now (RLIMIT_NPROC counts them all)."""
    uid, n = os.getuid(), 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == uid:
                    st = _stat_fields(d)
                    n += int(st[17]) if st else 1
            except (OSError, ValueError, IndexError):
                pass
    return n


def info():
    """What the sandbox does in this session, for the scorecard header."""
    lim = Limits()
    base, why = cgroup_base()
    mbase, mwhy = memory_cgroup_base()
    path, bwhy = binary()
    notes = list(lim.problems)
    if path is None:
        notes.append(f"{bwhy}: programs run without limits")
    kinds = [k for k, b in (("pids", base), ("memory", mbase)) if b is not None]
    if kinds:
        cgroup = f"{', '.join(kinds)} ({base or mbase})"
    else:
        cgroup = f"off: {why} (--max-procs is " + (
            "RLIMIT_NPROC)" if os.geteuid() != 0 else "not enforced for root)")
    if base is None and mbase is not None:
        notes.append(f"no pids cgroup ({why}): --max-procs is not enforced for root")
    if mbase is None and os.geteuid() == 0:
        notes.append(f"no memory cgroup ({mwhy}): --max-memory limits each process's "
                     f"address space")
    return {
        "netns": enter_netns() if _netns is None else _netns,
        "cgroup": cgroup,
        "memory": "memory cgroup" if lim.memory_cgroup else "address space (RLIMIT_AS)",
        "limits": lim.as_dict(),
        "limits_text": lim.describe(),
        "session": session(),
        "notes": notes,
    }


class Sandbox:
    """One program's sandbox: its tag, TMPDIR, cgroups and limits.

        sb = Sandbox("echo", argv, env)
        Popen(sb.command(argv), env=sb.environ(env), start_new_session=True)
        ... sb.members(), sb.kill(), then notes = sb.close(ports)

    osnet-sandbox's PR_SET_PDEATHSIG fires when the *thread* that started
    the program ends, not only the process: start programs from a thread
    that outlives them (the test's own), never from a short-lived helper
    thread, or they are SIGKILLed as soon as it returns.
    """

    def __init__(self, argv, env, nofile=None, unlimited_memory=None):
        self.tag = _next_tag()
        _sweep_tmpdirs()
        self.limits = Limits(env)
        self.tmpdir = tempfile.mkdtemp(prefix=f"{self.tag}.")
        self.nofile = nofile
        # Why the program gets no address-space limit (a sanitizer build,
        # valgrind). In a memory cgroup it is limited all the same: the
        # cgroup counts the memory it touches, not the shadow it reserves.
        self.memory_note = unlimited_memory or unlimited_memory_reason(argv, env)
        self.cgroup = self._make_cgroup(cgroup_base()[0], ("pids.max", self.limits.procs))
        # --max-memory in a memory cgroup: memsw (memory and swap) too where
        # the kernel accounts swap, or swapping would stretch the limit. It
        # must be set after limit_in_bytes, which it may not be below.
        self.memory_cgroup = self._make_cgroup(
            memory_cgroup_base()[0] if self.limits.memory else None,
            ("memory.limit_in_bytes", self.limits.memory),
            ("memory.memsw.limit_in_bytes", self.limits.memory))
        self.memory_kills = None  # remembered by close(), which removes the cgroup
        self._forks_refused = None  # remembered by kill(), which refuses every fork

    def _make_cgroup(self, base, *settings):
        """The folder of a new cgroup for this program under base, with each
        (file, value) of settings written (a file missing here is left out
        when it is not the first); None when base is None or it fails."""
        if base is None:
            return None
        d = base / self.tag
        try:
            d.mkdir()
            for i, (name, value) in enumerate(settings):
                if value and (i == 0 or (d / name).exists()):
                    (d / name).write_text(str(value))
            return d
        except OSError:
            _rmdir(d, 1)
            return None

    def command(self, argv):
        """argv prefixed with osnet-sandbox and its options (argv alone when
        osnet-sandbox cannot be had: info() says so)."""
        path, _ = binary()
        if path is None:
            return list(argv)
        lim, words = self.limits, [str(path)]
        if lim.cpu:
            words += ["--cpu", str(lim.cpu)]
        if lim.memory and not self.memory_note and self.memory_cgroup is None:
            words += ["--as", str(lim.memory)]
        nofile = self.nofile if self.nofile is not None else lim.files
        if nofile:
            if os.geteuid() != 0:  # only root may raise its hard limit
                import resource
                nofile = min(nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
            words += ["--nofile", str(nofile)]
        if lim.fsize:
            words += ["--fsize", str(lim.fsize)]
        if lim.procs and os.geteuid() != 0:
            # Per user, not per program: what the user runs now, plus the cap.
            words += ["--nproc", str(lim.procs + _user_tasks())]
        for d in (self.cgroup, self.memory_cgroup):
            if d is not None:
                words += ["--cgroup", str(d)]
        return words + ["--"] + list(argv)

    def environ(self, env):
        """The program's environment: env with its tag and TMPDIR."""
        env = dict(env)
        env.pop(SESSION_ENV, None)
        env[TAG_ENV] = self.tag
        env["TMPDIR"] = self.tmpdir
        return env

    def members(self):
        """Live processes of the sandbox (zombies left out)."""
        group = self.cgroup or self.memory_cgroup
        if group is not None:
            return [p for p in cgroup_procs(group) if _alive(p)]
        return members(self.tag)

    def memory_killed(self):
        """'killed: memory limit --max-memory 4G reached (memory cgroup)'
        when the kernel killed a process of the sandbox for going past its
        memory cgroup's limit, else None. Read from the cgroup (a SIGKILL
        alone could have come from anywhere), or after close() from what
        it read last."""
        kills = self.memory_kills
        if kills is None and self.memory_cgroup is not None:
            kills = memory_kills(self.memory_cgroup)
        return memory_killed_text(self.limits.memory) if kills else None

    def forks_refused(self):
        """How many forks (or new threads) the pids cgroup refused because
        the program had --max-procs tasks already (pids.events), up to the
        moment kill() closed it to every fork; 0 without a pids cgroup."""
        if self._forks_refused is not None:
            return self._forks_refused
        if self.cgroup is None:
            return 0
        m = re.search(r"^max (\d+)$", _read(self.cgroup / "pids.events") or "", re.M)
        return int(m.group(1)) if m else 0

    def limit_notes(self):
        """Lines for a failure report about limits the program ran into
        without being killed for it (a fork bomb stuck at --max-procs)."""
        n = self.forks_refused()
        return [f"note: the program reached its process limit (--max-procs "
                f"{self.limits.procs}): {n} fork(s) or thread(s) refused"] if n else []

    def kill(self, timeout=None):
        """SIGKILL every process of the sandbox until none is left; the pids
        that were alive. With a cgroup, pids.max drops to 0 first, so that
        nothing can fork while it is being emptied (a fork bomb)."""
        if self._forks_refused is None:
            self._forks_refused = self.forks_refused()
        if self.cgroup is not None:
            try:
                (self.cgroup / "pids.max").write_text("0")
            except OSError:
                pass
        return _kill_until_gone(self.members, time.monotonic() + (T(5) if timeout is None
                                                                  else timeout))

    def close(self, ports=()):
        """After the program and everything it started are gone: what is
        still there (a socket listening on one of its ports, files in its
        TMPDIR), as lines for the report. Removes the TMPDIR and cgroup."""
        notes = []
        for port, kind, holders in still_bound(ports, self.tag):
            notes.append(f"port {port} still has a {kind} socket after every process of the "
                         f"program was killed" + (f" (held by {'; '.join(holders)})"
                                                  if holders else ""))
        left = []
        for dirpath, dirnames, filenames in os.walk(self.tmpdir):
            left += [os.path.relpath(os.path.join(dirpath, n), self.tmpdir)
                     for n in filenames + [d for d in dirnames
                                           if not os.listdir(os.path.join(dirpath, d))]]
        if left:
            shown = ", ".join(sorted(left)[:8]) + (f" and {len(left) - 8} more"
                                                    if len(left) > 8 else "")
            notes.append(f"files left in its TMPDIR after it stopped: {shown}")
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if self.memory_cgroup is not None and self.memory_kills is None:
            self.memory_kills = memory_kills(self.memory_cgroup) or 0
        for d in (self.cgroup, self.memory_cgroup):
            if d is not None and not _rmdir(d):
                notes.append(_stuck(d))
        return notes


# ---- sockets left listening ---------------------------------------------------

def _socket_table(proto):
    """(local port, state, inode) of every socket in /proc/net/<proto>."""
    rows = []
    for line in (_read(f"/proc/thread-self/net/{proto}") or "").splitlines()[1:]:
        f = line.split()
        try:
            rows.append((int(f[1].rsplit(":", 1)[1], 16), f[3], f[9]))
        except (IndexError, ValueError):
            pass
    return rows


def _socket_holders(inodes):
    """{inode: [pid, ...]} of the processes holding those sockets."""
    want = {f"socket:[{i}]": i for i in inodes}
    held = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{d}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{d}/fd/{fd}")
            except OSError:
                continue
            if link in want:
                held.setdefault(want[link], []).append(int(d))
    return held


def _tag_of(pid):
    env = _read(f"/proc/{pid}/environ", binary=True) or b""
    for kv in env.split(b"\0"):
        if kv.startswith(f"{TAG_ENV}=".encode()):
            return kv.split(b"=", 1)[1].decode(errors="replace")
    return None


def still_bound(ports, tag):
    """[(port, 'listening' or 'UDP', holders)] for sockets on these ports
    that belong to neither this harness nor another program of the session
    (a test may hold a port on purpose; a second server may use it)."""
    ports = {int(p) for p in ports if p}
    if not ports:
        return []
    found = []
    for proto, kind in (("tcp", "listening"), ("tcp6", "listening"), ("udp", "UDP"),
                        ("udp6", "UDP")):
        for port, state, inode in _socket_table(proto):
            if port in ports and (state == "0A" or proto.startswith("udp")):
                found.append((port, kind, inode))
    if not found:
        return []
    holders = _socket_holders({i for _, _, i in found})
    me, prefix, out = os.getpid(), f"{session()}-", []
    for port, kind, inode in found:
        pids = holders.get(inode, [])
        others = [p for p in pids if p != me and not
                  ((t := _tag_of(p)) and t.startswith(prefix) and t != tag)]
        if pids and others:
            out.append((port, kind, describe(others)))
    return out


# ---- output ------------------------------------------------------------------

class Capture(threading.Thread):
    """Copies one of a program's output pipes into a file as it comes (tests
    read server logs while the server runs). The file keeps the first
    `keep` bytes and, once the pipe ends, a note and the last bytes; past
    `limit` bytes in all, overflow(what) is called once (the harness kills
    the program) and the rest is read and dropped. settle() waits until
    what the program has written so far is in the file."""

    TAIL = 64 << 10

    def __init__(self, fd, path, what, limit, overflow, keep=16 << 20):
        super().__init__(daemon=True)
        self.fd, self.path, self.what = fd, path, what
        self.limit, self.overflow = limit, overflow
        self.keep = min(keep, limit) if limit else keep
        self.size = 0
        self.over = False
        self.tail = bytearray()
        self.file = open(path, "wb", buffering=0)
        # True from before a read until its bytes are written: with the
        # pipe's own count of unread bytes, what settle() needs to know.
        self.copying = False
        self.closed = False  # set just before the pipe is closed

    def settle(self, timeout):
        """Wait (up to timeout) until the pipe holds no unread byte and none
        is on its way to the file: after the program exits, its last lines
        are in the file before a test reads it."""
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            try:
                unread = struct.unpack("i", fcntl.ioctl(self.fd, FIONREAD, b"\0" * 4))[0]
            except OSError:
                return
            if unread == 0 and not self.copying:
                return
            time.sleep(0.002)

    def run(self):
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        try:
            while True:
                if not poller.poll(500):
                    continue
                self.copying = True
                try:
                    b = os.read(self.fd, 1 << 20)
                except OSError:
                    break
                if not b:
                    break
                room = self.keep - self.size
                if room > 0:
                    self.file.write(b[:room])
                if len(b) > room:
                    self.tail += b[max(room, 0):]
                    del self.tail[:-self.TAIL]
                self.size += len(b)
                self.copying = False
                if self.limit and self.size > self.limit and not self.over:
                    self.over = True
                    self.overflow(self.what)
        finally:
            self.copying = False
            left_out = self.size - self.keep - len(self.tail)
            if self.size > self.keep:
                note = f"\n[... {max(left_out, 0)} bytes left out by the test harness ...]\n"
                self.file.write(note.encode() + bytes(self.tail))
            self.file.close()
            # Before the close: settle() must not ask about the number once
            # another thread may have been given it for a file of its own.
            self.closed = True
            os.close(self.fd)


def finish():
    """At the end of a pytest process: kill whatever its programs left in
    their cgroups (a test that never stopped one) and remove them and their
    TMPDIRs. Other processes of the same session (xdist workers) keep theirs."""
    found = []
    mine = f"{session()}-{os.getpid()}."
    for base, _ in (cgroup_base(), memory_cgroup_base()):
        if base is None or not base.is_dir():
            continue
        for d in sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith(mine)):
            found += [x for x in describe(_empty_and_remove(d)) if x not in found]
            if d.exists():
                found.append(_stuck(d))
        _rmdir(base, 1)
    # The TMPDIRs of programs no test stopped.
    for d in pathlib.Path(tempfile.gettempdir()).glob(f"{mine}*"):
        shutil.rmtree(d, ignore_errors=True)
    return found
