"""Ways to inject faults into a program started through the launch contract.

- strace -f -e inject=...: works on anything that makes system calls (Go,
  static binaries, Python), including io_uring_enter; the log tells whether
  the fault was really injected ("(INJECTED)").
- libfiu (fiu-run -x) plus our shim (build/faults/libosnet-fiu.so) for the
  points libfiu lacks; runtime control through the control FIFO.
Each helper returns a `wrap` list for Launcher.start(wrap=...).
"""
import errno
import os
import pathlib
import re
import shutil
import time

from osnet_harness.specs import ROOT
from osnet_harness.timeouts import T

SHIM = ROOT / os.environ.get("OSNET_BUILD", "build") / "faults" / "libosnet-fiu.so"


class Strace:
    """strace as a wrapper that injects errors into chosen system calls."""

    def __init__(self, workdir, injections, trace=None):
        """injections: list of 'syscall[,syscall]:error=ERRNO[:when=EXPR]'."""
        self.log = pathlib.Path(workdir) / "strace.log"
        syscalls = set()
        for inj in injections:
            syscalls.update(inj.split(":", 1)[0].split(","))
        self.trace = sorted(set(trace or ()) | syscalls)
        self.injections = injections

    def wrap(self):
        exe = shutil.which("strace")
        if not exe:
            raise RuntimeError("strace is not installed (tools/install-deps installs it)")
        # --seccomp-bpf stops the tracee only on the traced calls (much faster);
        # -qq keeps attach/exit chatter out of the log.
        cmd = [exe, "-f", "-qq", "--seccomp-bpf", "-o", str(self.log),
               "-e", "trace=" + ",".join(self.trace)]
        for inj in self.injections:
            cmd += ["-e", "inject=" + inj]
        return cmd

    def injected(self, syscall=None):
        """How many calls (of `syscall`, or any) strace says it tampered with."""
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return 0
        n = 0
        for line in text.splitlines():
            if "(INJECTED)" in line and (syscall is None or re.search(rf"\b{syscall}\(", line)):
                n += 1
        return n

    def calls(self, syscall):
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return 0
        return len(re.findall(rf"\b{syscall}\(", text))


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
        cmd += ["env", f"OSNET_FIU_FIRED={self.stats}", "sh", "-c",
                f'LD_PRELOAD="{SHIM} $LD_PRELOAD" exec "$@"', "osnet-fiu"]
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
        try:
            # Non-blocking: with no reader this fails with ENXIO instead of
            # hanging. No reader happens for a moment right after the FIFOs
            # appear (libfiu's control thread has not opened its end yet), and
            # for good when the program has died: retry for a while.
            deadline = time.monotonic() + T(10)
            while True:
                try:
                    wfd = os.open(self.inp, os.O_WRONLY | os.O_NONBLOCK)
                    break
                except OSError as e:
                    if e.errno != errno.ENXIO or time.monotonic() > deadline:
                        raise AssertionError(f"libfiu control FIFO {self.inp} has no reader "
                                             f"(did the program exit?): {e}") from None
                    time.sleep(0.02)
            try:
                os.write(wfd, (line.strip() + "\n").encode())
            finally:
                os.close(wfd)
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
            os.close(rfd)
        reply = buf.split(b"\n", 1)[0].decode().strip()
        if reply != "0":
            raise AssertionError(f"libfiu refused {line!r}: reply {reply!r}")
        return reply
