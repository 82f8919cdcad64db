"""Ways to inject faults into a program started through the launch contract.

- strace -f -e inject=...: works on anything that makes system calls (Go,
  static binaries, Python), including io_uring_enter; the log tells whether
  the fault was really injected ("(INJECTED)").
- libfiu (fiu-run -x) plus our shim (build/faults/libosnet-fiu.so) for the
  points libfiu lacks; runtime control through the control FIFO.
Each helper returns a `wrap` list for Launcher.start(wrap=...).

What the scenarios of several components share is here too:
- the program under a fault, seen from outside: whether it exited, its
  descriptors (every process of its group), the kernel's TCP table;
- in_thread(): a client's call run in a thread, its result or error kept;
- malloc_scenario(): memory running out (libfiu's libc/mm points switched
  on, then off, in every process of the program) while requests come, each
  component bringing its own Probe (its requests and what a right answer
  is).
"""
import errno
import os
import pathlib
import shutil
import threading
import time

from osnet_harness.launch import describe_status, group_members
from osnet_harness.specs import ROOT
from osnet_harness.stracelog import Strace  # noqa: F401  (the fault scenarios' import)
from osnet_harness.timeouts import T

SHIM = ROOT / os.environ.get("OSNET_BUILD", "build") / "faults" / "libosnet-fiu.so"


def aim(run, workdir, syscalls, err, path, directory):
    """Fail the one call among `syscalls` that names `path` (a file under
    `directory`, e.g. /proc/PID/stat under /proc/PID) with `err`, whether the
    program names it in full or relative to a descriptor of the directory
    (openat(DIRFD, "stat"), readlinkat(DIRFD, "10")). strace -P matches the
    latter only when the directory itself is among the paths, and then every
    call under that directory matches; so a first run without injection
    (run(wrap) runs the program) finds which of them names the file, the
    n-th of its syscall, and `when=n` fails just that one in the next run,
    which makes the same calls in the same order. Returns (injections,
    paths) for Strace, or a str: why the call cannot be aimed at."""
    paths = [str(path), str(directory)]
    d = pathlib.Path(workdir) / "dry-run"
    d.mkdir(exist_ok=True)
    dry = Strace(d, [], trace=syscalls.split(","), paths=paths)
    run(dry.wrap())
    rel = os.path.relpath(str(path), str(directory))
    hit = dry.first_call_on({str(path), rel})
    if hit is None:
        return (f"the program never called {syscalls} on {path} (by its full path or as "
                f"{rel!r} relative to a descriptor of {directory}); strace log: {dry.log}")
    syscall, n = hit
    return [f"{syscall}:error={err}:when={n}"], paths


class Fiu:
    """fiu-run -x with our shim inside, optionally with a control FIFO."""

    def __init__(self, workdir, enable=(), control=False):
        self.enable = list(enable)
        self.base = str(pathlib.Path(workdir) / "fiu-ctrl") if control else ""
        self.stats = pathlib.Path(workdir) / "fiu-fired"

    def wrap(self):
        if not shutil.which("fiu-run"):
            raise RuntimeError("fiu-run is not installed (tools/install-deps installs fiu-utils)")
        if not SHIM.exists():
            raise RuntimeError(f"{SHIM} is missing: run make")
        cmd = ["fiu-run", "-x", "-f", self.base]
        for c in self.enable:
            cmd += ["-c", c]
        # fiu-run sets LD_PRELOAD to its own libraries; put the shim in front
        # of them inside the command, then exec the program itself.
        # OSNET_FIU_PRELOAD_FIRST (tools/sanitize): a sanitizer's runtime,
        # which must come before them (libfiu's wrappers call the next
        # definition of each function, the sanitizer's, from their
        # constructors, before the sanitizer has set itself up).
        first = os.environ.get("OSNET_FIU_PRELOAD_FIRST", "")
        cmd += ["env", f"OSNET_FIU_FIRED={self.stats}", "sh", "-c",
                f'LD_PRELOAD="{first + " " if first else ""}{SHIM} $LD_PRELOAD" exec "$@"',
                "osnet-fiu"]
        return cmd

    def fired(self):
        """The shim's points that fired at least once ('/' written as '_')."""
        return sorted(p.name[len(self.stats.name) + 1:]
                      for p in self.stats.parent.glob(self.stats.name + ".*"))

    def control(self, pid):
        return FiuControl(self.base, pid)


class FiuControl:
    """libfiu's remote control: one command line into <base>-<pid>.in, one
    reply line ("0" success, "-1" failure) out of <base>-<pid>.out."""

    def __init__(self, base, pid):
        self.inp = f"{base}-{pid}.in"
        self.out = f"{base}-{pid}.out"

    def wait(self, timeout=None):
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        while not (os.path.exists(self.inp) and os.path.exists(self.out)):
            if time.monotonic() > deadline:
                raise AssertionError(f"libfiu control FIFO {self.inp} never appeared")
            time.sleep(0.02)
        return self

    def present(self):
        return os.path.exists(self.inp) and os.path.exists(self.out)

    def command(self, line):
        """Send one command; return the reply. Raises unless libfiu said 0."""
        # Open the reply FIFO first (non-blocking), so the reply is not lost.
        rfd = os.open(self.out, os.O_RDONLY | os.O_NONBLOCK)
        wfd = -1
        try:
            # Non-blocking: with no reader this fails with ENXIO instead of
            # hanging. No reader happens for a moment right after the FIFOs
            # appear (libfiu's control thread has not opened its end yet), and
            # for good when the program has died: retry for a while.
            #
            # libfiu's thread reads commands until end of file, then closes
            # its end and opens the FIFO again. So the command FIFO stays
            # open here until the reply is in: closed right after the write,
            # a command written just as the thread was closing its end after
            # the previous command's end of file would be left in a FIFO
            # nobody holds open, and the kernel would drop it (no reply,
            # ever). And a write that finds the thread's end already closed
            # fails with EPIPE, having written nothing: open and write again.
            deadline = time.monotonic() + T(10)
            while True:
                try:
                    wfd = os.open(self.inp, os.O_WRONLY | os.O_NONBLOCK)
                    os.write(wfd, (line.strip() + "\n").encode())
                    break
                except OSError as e:
                    if wfd >= 0:
                        os.close(wfd)
                        wfd = -1
                    if e.errno not in (errno.ENXIO, errno.EPIPE) or time.monotonic() > deadline:
                        raise AssertionError(f"libfiu control FIFO {self.inp} has no reader "
                                             f"(did the program exit?): {e}") from None
                    time.sleep(0.02)
            deadline = time.monotonic() + T(10)
            buf = b""
            while b"\n" not in buf:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no reply from libfiu to {line!r}")
                try:
                    chunk = os.read(rfd, 256)
                except BlockingIOError:
                    chunk = b""
                if chunk:
                    buf += chunk
                else:
                    time.sleep(0.01)
        finally:
            if wfd >= 0:
                os.close(wfd)
            os.close(rfd)
        reply = buf.split(b"\n", 1)[0].decode().strip()
        if reply != "0":
            raise AssertionError(f"libfiu refused {line!r}: reply {reply!r}")
        return reply


# ---- the program under a fault ------------------------------------------------

def dead_note(server):
    """"" while the program runs, else " The program exited (<how>).": the
    end of a failure message."""
    if server.alive():
        return ""
    return f" The program exited ({describe_status(server.proc.returncode)})."


def fd_count(server):
    """Descriptors open in every process of the program's group."""
    n = 0
    for pid in group_members(server.pid):
        try:
            n += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return n


def wait_fds_at_most(server, bound, timeout):
    """Poll until the program holds at most `bound` descriptors (closing
    after an exchange ends may take a loop turn or two). Returns the last
    count and whether it got there."""
    deadline = time.monotonic() + timeout
    while True:
        n = fd_count(server)
        if n <= bound or time.monotonic() > deadline or not server.alive():
            return n, n <= bound
        time.sleep(0.05)


def tcp_table():
    """Every TCP socket the kernel lists (/proc/net/tcp and tcp6), each as
    its row's fields: [1] local and [2] remote address (hex ip:port), [3]
    state, [4] tx_queue:rx_queue, ..., [9] inode."""
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/net/{name}") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            yield line.split()


def in_thread(fn):
    """Run fn() in a daemon thread; returns (thread, box) with box['result']
    or box['error'] once it ends."""
    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: B902 (handed to the caller)
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


# ---- memory running out (libfiu's libc/mm points) ------------------------------

MM_POINTS = ("libc/mm/malloc", "libc/mm/calloc", "libc/mm/realloc")
BURST = 8  # clients that come at once at the start of each window


def preloaded(pid):
    """Is libfiu's libc wrapper (fiu_posix_preload.so) mapped into process pid?"""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "fiu_posix_preload" in f.read()
    except OSError:
        return False


def fiu_missing(server, fiu, what="faults"):
    """Wait for the program's libfiu control FIFO; then None, or why `what`
    cannot be injected (libfiu's preload is in no process of the program: a
    static binary, a runtime without the C library)."""
    fiu.control(server.pid).wait()
    if any(preloaded(p) for p in group_members(server.pid)):
        return None
    return ("libfiu's preload library is not mapped into the program (a static binary, or one "
            f"that does not use the C library): {what} cannot be injected into it")


def sanitizer_malloc(pid):
    """Why libfiu's malloc failures cannot reach process pid, or None: a
    sanitizer's runtime (make sanitize's builds) is mapped into it, and its
    malloc, found before libfiu's, never fails on libfiu's say-so."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            maps = f.read()
    except OSError:
        return None
    for lib, name in (("libasan", "AddressSanitizer"), ("libtsan", "ThreadSanitizer")):
        if lib in maps:
            return (f"the program runs with {name}, whose malloc comes before libfiu's: "
                    f"malloc failures cannot be injected into it (make check runs this on "
                    f"the plain build)")
    return None


def fiu_command_all(server, fiu, lines):
    """Send libfiu commands to every process of the program that serves a
    control FIFO. Raises unless libfiu said 0 to each; returns the pids
    reached."""
    reached = []
    for pid in group_members(server.pid):
        ctl = fiu.control(pid)
        if ctl.present():
            for line in lines:
                ctl.command(line)
            reached.append(pid)
    return reached


def _mm_on(server, fiu, prob):
    fiu_command_all(server, fiu, [f"enable_random name={p},probability={prob}" if prob < 1
                                  else f"enable name={p}" for p in MM_POINTS])


def _mm_off(server, fiu):
    fiu_command_all(server, fiu, [f"disable name={p}" for p in MM_POINTS])


def malloc_scenario(server, fiu, probe, what, burst, windows=((1.0, 6), (0.25, 36)), before=3,
                    after=12, patience=None):
    """Memory runs out in windows: in each (probability, count), libfiu
    makes malloc, calloc and realloc fail (every call, or with that
    probability) in every process of the program while requests come: first
    burst(w) (window w's BURST clients, each sending one request at once,
    on new connections: a program that keeps pools of what one exchange
    needs must allocate for that many), then `count` one at a time from
    `probe`. probe.one() (and each burst client's) sends a request and
    returns ('ok' | '5xx' | 'closed', detail), raising AssertionError for a
    wrong answer; probe.read_timeout bounds its wait. `before` requests must
    succeed before the first window. While every call fails, requests not
    answered within `patience` end the window early (memory comes back: with
    nothing at all to allocate, a program may be unable even to accept);
    every request must be answered correctly, with a 5xx, or closed. Then
    `after` requests must all succeed.
    Returns [(window, outcome, detail)] for the requests the fault touched,
    or a skip reason (str) when libfiu is not in the program. Raises
    AssertionError on a crash, a hang or a wrong answer."""
    patience = T(3) if patience is None else patience
    missing = fiu_missing(server, fiu, "malloc failures") or sanitizer_malloc(server.pid)
    if missing:
        return missing
    pids = group_members(server.pid)
    # Before: the program works (and has set itself up: pools, buffers).
    for k in range(before):
        outcome, detail = probe.one()
        if outcome != "ok":
            raise AssertionError(f"{what}: before any fault, request #{probe.n} got {outcome} "
                                 f"({detail})" + dead_note(server) + "\n" + server.stderr_block())
    seen = []
    for w, (prob, count) in enumerate(windows):
        label = ("while every malloc, calloc and realloc failed" if prob >= 1 else
                 f"while malloc, calloc and realloc failed with probability {prob}")
        clients = burst(w)
        steps = [[c.one for c in clients]] + [[probe.one]] * count
        _mm_on(server, fiu, prob)
        on = True
        try:
            for fns in steps:
                runs = [in_thread(fn) for fn in fns]
                deadline = time.monotonic() + (patience if prob >= 1 else probe.read_timeout + T(5))
                for t, _ in runs:
                    t.join(max(0.0, deadline - time.monotonic()))
                stalled = any(t.is_alive() for t, _ in runs)
                if stalled:
                    # Not answered in time: memory comes back, and the
                    # requests must be answered or closed now.
                    on = False
                    _mm_off(server, fiu)
                    for t, _ in runs:
                        t.join(probe.read_timeout + T(5))
                    if any(t.is_alive() for t, _ in runs):
                        raise AssertionError(f"{what}, {label}: a request was neither answered "
                                             f"nor closed, even after memory came back"
                                             + dead_note(server) + "\n" + server.stderr_block())
                for _, box in runs:
                    if "error" in box:
                        if isinstance(box["error"], AssertionError):
                            raise AssertionError(f"{what}, {label}: {box['error']}"
                                                 + (" (it waited past the window, memory back)"
                                                    if stalled else "")
                                                 + dead_note(server) + "\n"
                                                 + server.stderr_block()) from None
                        raise box["error"]
                    outcome, detail = box["result"]
                    if outcome != "ok" or stalled:
                        seen.append((label, outcome + (" after a stall" if stalled else ""),
                                     detail))
                if stalled or not server.alive():
                    break
        finally:
            for c in clients:
                c.close()
            if on:
                try:
                    _mm_off(server, fiu)
                except AssertionError:
                    # No one reads the FIFO: the program is gone or going (said below).
                    server.wait_exit(T(5))
        if not server.alive():
            raise AssertionError(f"{what}: the program died "
                                 f"({describe_status(server.proc.returncode)}) {label}\n"
                                 + server.stderr_block())
    gone = [p for p in pids if p not in group_members(server.pid)]
    if gone:
        raise AssertionError(f"{what}: process(es) {gone} of the program died while memory ran "
                             f"out (the program lives on through its other processes)\n"
                             + server.stderr_block())
    probe.close()
    for k in range(after):
        outcome, detail = probe.one()
        if outcome != "ok":
            raise AssertionError(f"{what}: memory is back, yet request #{probe.n} (number "
                                 f"{k + 1} after) got {outcome} ({detail}): every request must "
                                 f"be answered again" + dead_note(server) + "\n"
                                 + server.stderr_block())
    probe.close()
    return seen
