"""The launch contract: templates, free ports, process groups, readiness, stop.

A template is a shell-free argument list with placeholders ({host}, {port},
{backends}, {upstream}, {datadir}, {cert}, {key}, {metrics_port}). It is split like a shell
would split it (quotes allowed) but never run through a shell.
"""
import errno
import fcntl
import os
import random
import resource
import shlex
import signal
import socket
import string
import subprocess
import tempfile
import time

from . import sandbox
from .timeouts import T

PLACEHOLDERS = {"host", "port", "backends", "upstream", "datadir", "cert", "key", "metrics_port"}

# Placeholders the harness fills itself, with a fresh free port each, when a
# template uses them and the test gives no value (a second listening port,
# such as the sidecar's metrics endpoint).
PORT_PLACEHOLDERS = {"metrics_port"}

# Ports outside the kernel's ephemeral range (32768-60999 by default), so an
# outgoing connection never grabs a port between our check and the server's
# bind. Locks under /tmp make parallel pytest processes pick different ports.
def _port_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_lo = 32768
    hi = min(ephemeral_lo, 65536)
    return (max(1024, hi - 12000), hi) if hi > 3000 else (ephemeral_lo + 1, 65536)


PORT_LO, PORT_HI = _port_range()
PORT_LOCK_DIR = os.path.join(tempfile.gettempdir(), f"osnet-ports-{os.getuid()}")


class LaunchError(Exception):
    """The program could not be started or never became ready."""

    # True when it was a readiness timeout (the program was still running).
    timed_out = False


class TemplateError(ValueError):
    pass


def template_fields(template):
    """Names of the placeholders used in a template."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field)
    return names


def check_template(template, required=("port",)):
    """Raise TemplateError unless the template is usable; return its argv form."""
    try:
        argv = shlex.split(template)
    except ValueError as e:
        raise TemplateError(f"cannot split template {template!r}: {e}") from None
    if not argv:
        raise TemplateError("empty template")
    fields = template_fields(template)
    unknown = fields - PLACEHOLDERS
    if unknown:
        raise TemplateError(f"unknown placeholder(s) {', '.join('{%s}' % u for u in sorted(unknown))}"
                            f" in template; known: {', '.join('{%s}' % p for p in sorted(PLACEHOLDERS))}")
    missing = [r for r in required if r not in fields]
    if missing:
        raise TemplateError(f"template must contain {', '.join('{%s}' % m for m in missing)}"
                            f" (the harness chooses the port): {template!r}")
    return argv


def expand(template, **values):
    """Split the template and fill its placeholders, argument by argument."""
    argv = check_template(template, required=())
    return [a.format(**values) for a in argv]


class _PortPool:
    def __init__(self):
        self.locks = []
        os.makedirs(PORT_LOCK_DIR, exist_ok=True)

    def _bindable(self, host, port):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(fam, kind)
            try:
                s.bind((host, port))  # no SO_REUSEADDR: skips ports with TIME_WAIT leftovers
            except OSError:
                return False
            finally:
                s.close()
        return True

    def get(self, host="127.0.0.1"):
        rng = random.Random(os.getpid() ^ time.monotonic_ns())
        for _ in range(2000):
            port = rng.randrange(PORT_LO, PORT_HI)
            path = os.path.join(PORT_LOCK_DIR, str(port))
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            if self._bindable(host, port) and self._bindable("127.0.0.1", port):
                self.locks.append(fd)  # held for the life of this process
                return port
            os.close(fd)
        raise LaunchError("no free port found in %d-%d" % (PORT_LO, PORT_HI))


ports = _PortPool()


def free_port(host="127.0.0.1"):
    """A TCP/UDP port nobody uses now and no other osnet process will hand out."""
    return ports.get(host)


def proc_stat(pid):
    """(comm, the fields after it) of /proc/PID/stat, as bytes, or None once
    the process is gone. comm runs from the first '(' to the last ')'
    (proc(5)) and may be any bytes: the ps tests make some that are not
    UTF-8 and some that hold ')'."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        lo, hi = data.index(b"("), data.rindex(b")")
    except (OSError, ValueError):
        return None
    return data[lo + 1:hi], data[hi + 2:].split()


def alive(pid):
    """True while pid exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st[1][0] != b"Z"


def children(pid):
    """pid's children, in the order they were created when the kernel
    tells (/proc/PID/task/*/children), else by pid."""
    kids, known = [], False
    try:
        tasks = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
    except OSError:
        return []
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                kids += [int(x) for x in f.read().split()]
            known = True
        except OSError:
            pass
    if known:
        return kids
    return sorted(int(d) for d in os.listdir("/proc") if d.isdigit()
                  and (st := proc_stat(d)) is not None and int(st[1][1]) == pid)


def group_members(pgid):
    """PIDs still alive in process group pgid (zombies excluded)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = proc_stat(d)
        # Fields after the command name: state ppid pgrp ...
        if st is not None and int(st[1][2]) == pgid and st[1][0] != b"Z":
            pids.append(int(d))
    return pids


def describe_pids(pids):
    out = []
    for p in pids:
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            cmd = "?"
        out.append(f"{p} {cmd}")
    return out


# Signals the sandbox's limits end a program with (osnet-sandbox).
LIMIT_SIGNALS = {signal.SIGXCPU: " (CPU time limit: --max-cpu)",
                 signal.SIGXFSZ: " (file size limit: --max-fsize)"}


def describe_status(rc):
    """Human words for a Popen returncode."""
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}" + LIMIT_SIGNALS.get(-rc, "")
        except ValueError:
            return f"killed by signal {-rc}"
    if rc > 128 and rc - 128 < 65:
        try:
            return f"exit status {rc} (128+{signal.Signals(rc - 128).name})"
        except ValueError:
            pass
    return f"exit status {rc}"


UDP_PROBE = b"osnet-ready?\n"


def udp_probe(addr, wait=0.5):
    """True if a datagram sent to addr from a fresh socket is answered within wait seconds.

    The probe is malformed for every UDP protocol here, so servers answer it
    without changing state (udp-echo echoes it, guess answers ERR). The socket
    is not connected, so an answer from any address counts: that a reply comes
    from the address the client used is a requirement of its own (UECHO-002),
    reported as such rather than as "never ready"."""
    fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        try:
            s.sendto(UDP_PROBE, addr)
            s.settimeout(wait)
            s.recvfrom(65535)
            return True
        except OSError:  # timeout (an unconnected socket hears no ICMP errors)
            return False


class Server:
    """One started instance of the program under test."""

    def __init__(self, argv, host, port, name, workdir, wrap=(), env=None,
                 rlimit_nofile=None, ready="tcp"):
        self.argv = list(wrap) + list(argv)
        self.host, self.port, self.name = host, port, name
        self.workdir = workdir
        self.env = env
        self.rlimit_nofile = rlimit_nofile
        self.ready_kind = ready
        self.proc = None
        self.returncode = None
        self.leftovers = []
        self.controlled = True
        self.sandbox = None
        self.captures = []
        # Set when the sandbox killed the program ("... more than N bytes on
        # stderr"): the reason the test fails (plugin.py). See killed_for.
        self._killed_for = None
        # What the first stop() found, returned again by later calls.
        self.stopped = None
        self.cleanup_notes = []
        n = len(os.listdir(workdir))
        self.stdout_path = os.path.join(workdir, f"{n:02d}-stdout.log")
        self.stderr_path = os.path.join(workdir, f"{n:02d}-stderr.log")

    @property
    def addr(self):
        return (self.host, self.port)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command_line(self):
        return shlex.join(self.argv)

    @property
    def killed_for(self):
        """Why the sandbox killed the program, or None: its output went past
        --max-output, or the OOM killer struck in its memory cgroup (read
        from the cgroup, which counts its kills)."""
        if self._killed_for is None and self.sandbox is not None:
            oom = self.sandbox.memory_killed()
            if oom:
                self._killed_for = f"{self.name} was {oom}"
        return self._killed_for

    def start(self):
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        sb = self.sandbox = sandbox.Sandbox(self.argv, env, nofile=self.rlimit_nofile)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            # No preexec_fn: it is unsafe while the test has threads (senders);
            # osnet-sandbox sets the limits before it execs the program.
            # start_new_session gives the program its own process group.
            self.proc = subprocess.Popen(sb.command(self.argv), stdin=subprocess.DEVNULL,
                                         stdout=out_w, stderr=err_w, env=sb.environ(env),
                                         cwd=os.environ.get("OSNET_CWD") or None,
                                         start_new_session=True, close_fds=True)
        except OSError as e:
            for fd in (out_r, err_r):
                os.close(fd)
            sb.close()
            raise LaunchError(f"cannot start {self.command_line()}: {e.strerror}") from None
        finally:
            os.close(out_w)
            os.close(err_w)
        # Pipes, each copied to its file by a thread that counts the bytes:
        # a program flooding its output is killed at the limit.
        limit = sb.limits.output
        self.captures = [sandbox.Capture(out_r, self.stdout_path, "stdout", limit, self._overflow),
                         sandbox.Capture(err_r, self.stderr_path, "stderr", limit, self._overflow)]
        for c in self.captures:
            c.start()
        if self.rlimit_nofile is not None and sandbox.binary()[0] is None:
            self.set_fd_limit(self.rlimit_nofile)  # osnet-sandbox could not set it first
        return self

    def _overflow(self, what):
        """A Capture's call: the program wrote more than the limit to `what`."""
        limit = self.sandbox.limits.output
        self._killed_for = (f"{self.name} was killed: more than {limit} bytes on {what} "
                            f"(--max-output {sandbox.format_size(limit)})")
        self.sandbox.kill()

    def sandbox_error(self):
        """osnet-sandbox's own message when it could not start the program
        (exit 126 or 127), else None."""
        if self.proc is None or self.proc.poll() not in (126, 127):
            return None
        for c in self.captures:
            c.join(T(2))
        tail = self.stderr_tail(lines=3)
        lines = [l for l in tail.splitlines() if l.startswith("osnet-sandbox: ")]
        return lines[-1].removeprefix("osnet-sandbox: ") if lines else None

    def open_fds(self):
        """How many descriptors the program's main process has open now."""
        try:
            return len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except OSError:
            return None

    def set_fd_limit(self, n):
        """Set RLIMIT_NOFILE of the running program (soft and hard) to n."""
        resource.prlimit(self.proc.pid, resource.RLIMIT_NOFILE, (n, n))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=None):
        """Wait until the server is ready (or exits, or times out).

        "tcp": it accepts a connection. "udp": it answers a probe datagram
        (a UDP server cannot be seen listening from outside, only answering)."""
        limit = timeout if timeout is not None else T(10)
        deadline = time.monotonic() + limit
        delay = 0.005
        what = "answered a UDP datagram" if self.ready_kind == "udp" else "accepted connections"
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                why = self.sandbox_error()
                if why:
                    raise LaunchError(f"cannot start {self.command_line()}: {why}")
                if self.killed_for:
                    raise LaunchError(f"{self.killed_for}, before it {what} on "
                                      f"{self.host}:{self.port}\ncommand: {self.command_line()}")
                raise LaunchError(f"{self.name} exited ({describe_status(rc)}) before it "
                                  f"{what} on {self.host}:{self.port}\n"
                                  f"command: {self.command_line()}\n"
                                  + self.stderr_block())
            if self.ready_kind == "udp":
                if udp_probe(self.addr, wait=min(0.01 + delay, 1.0)):
                    return self
            else:
                try:
                    with socket.create_connection(self.addr, timeout=T(1)):
                        return self
                except OSError:
                    pass
            if time.monotonic() > deadline:
                e = LaunchError(f"{self.name} has not {what} on {self.host}:{self.port}"
                                f" within {limit:.0f}s\n"
                                f"command: {self.command_line()}\n" + self.stderr_block())
                e.timed_out = True
                raise e
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def wait_exit(self, timeout):
        """Wait for the leader to exit; return its status or None on timeout."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.settle_output()
        return self.returncode

    def settle_output(self, timeout=None):
        """Once the program has exited: wait until what it wrote is in the
        stdout and stderr files (threads copy it there from pipes)."""
        for c in self.captures:
            c.settle(T(2) if timeout is None else timeout)

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Send sig to the whole group, wait, then SIGKILL whatever is left.

        Returns (status of the leader, whether it exited before SIGKILL,
        leftover process descriptions). Leftovers are every process of the
        program's sandbox still alive once the leader is gone, not only its
        group: a daemon that called setsid() counts. All are killed; a
        socket still on the program's ports and files left in its TMPDIR
        go to cleanup_notes. A second call returns what the first found.
        Never raises for a dead program.
        """
        if self.proc is None:
            return None, True, []
        if self.stopped is not None:
            return self.stopped
        timeout = T(10) if timeout is None else timeout
        clean = True
        if self.proc.poll() is None:
            self.signal_group(sig)
            if self.wait_exit(timeout) is None:
                clean = False
                self.signal_group(signal.SIGKILL)
                self.wait_exit(T(10))
        else:
            self.returncode = self.proc.returncode
        # The leader is gone; anything still in its sandbox was left behind.
        deadline = time.monotonic() + T(2)
        left = self.sandbox.members()
        while left and time.monotonic() < deadline:
            time.sleep(0.02)
            left = self.sandbox.members()
        self.leftovers = describe_pids(left)
        if left:
            self.signal_group(signal.SIGKILL)
            self.sandbox.kill()
        for c in self.captures:
            c.join(T(10))
        ports = [self.port] + [v for k, v in getattr(self, "values", {}).items()
                               if k in PORT_PLACEHOLDERS]
        self.cleanup_notes = self.sandbox.close(ports)
        self.stopped = (self.returncode, clean, self.leftovers)
        return self.stopped

    def stderr_tail(self, lines=15, max_bytes=4000):
        if self.proc is not None and self.proc.poll() is not None:
            self.settle_output()
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - max_bytes))
                data = f.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(data.splitlines()[-lines:])

    def stderr_block(self):
        tail = self.stderr_tail()
        notes = self.sandbox.limit_notes() if self.sandbox is not None else []
        return "\n".join(["stderr (last lines):\n" + "\n".join("  | " + l for l in tail.splitlines())
                          if tail else "stderr: (empty)"] + notes)


class RemoteServer:
    """A server that is already running (--addr): no start, no stop, no faults."""

    controlled = False
    name = "remote"
    argv = []
    leftovers = []

    def __init__(self, host, port):
        self.host, self.port = host, port

    @property
    def addr(self):
        return (self.host, self.port)

    def alive(self):
        return True

    def stderr_tail(self, *a, **k):
        return ""

    def stderr_block(self):
        return "stderr: (not available with --addr)"

    def command_line(self):
        return f"(already running at {self.host}:{self.port})"


# template -> [consecutive readiness timeouts of plain starts, test, message of
# the last] of a program that did not become ready (Launcher.start).
NEVER_READY = {}
# That many timeouts in a row and a program is taken for one that never becomes
# ready: one alone may be a slow start on a loaded machine.
NEVER_READY_AFTER = 2


class Launcher:
    """Starts instances of one implementation for one test; stops them all after."""

    def __init__(self, template, name, workdir, host="127.0.0.1", required=("port",),
                 ready_kind="tcp"):
        self.template = template
        self.name = name
        self.workdir = workdir
        self.host = host
        self.required = required
        self.ready_kind = ready_kind
        self.servers = []
        # Placeholder values every start() fills in unless given (a
        # component's fixtures set e.g. datadir, cert and key here).
        self.values = {}
        # Options appended to every start() that does not give them itself
        # ({"--idle-timeout": "120"}): a component's fixtures use them so a
        # program's own default cannot decide a test.
        self.default_args = {}
        # The test this launcher belongs to (plugin.py), named when a later
        # test gives up waiting for a program that never became ready.
        self.test_name = "an earlier test"

    def start(self, port=None, wrap=(), env=None, rlimit_nofile=None, ready=True,
              args=(), **values):
        """Start one instance (on a fresh free port unless given) and wait for it.

        args: options appended after the expanded template (a spec lists the
        ones a conforming program accepts, e.g. guess's --idle).

        A program that, started as every test starts it (no args, wrap,
        env, port or limit of the test's own), was twice in a row not ready
        within the readiness timeout is not waited for again in this
        session: later such starts fail at once with the last one's
        message, so a program that never listens costs two timeouts, not
        one per test. Any start that becomes ready resets the count: one
        slow start on a loaded machine does not fail the rest."""
        plain = port is None and not wrap and env is None and rlimit_nofile is None and not args
        timeouts, last, message = NEVER_READY.get(self.template, (0, None, None))
        if plain and ready and timeouts >= NEVER_READY_AFTER:
            raise LaunchError(f"{message}\n(as in {last}: not waiting again)")
        if port is None:
            port = free_port(self.host)
        check_template(self.template, self.required)
        values = {**self.values, **values}
        for name in (PORT_PLACEHOLDERS & template_fields(self.template)) - set(values):
            values[name] = free_port(self.host)
        missing = template_fields(self.template) - {"host", "port"} - set(values)
        if missing:
            raise LaunchError(f"the template needs {', '.join('{%s}' % m for m in sorted(missing))}"
                              f", which this component's tests do not provide: {self.template!r}")
        args = list(args)
        for opt, val in self.default_args.items():
            if opt not in args:
                args += [opt, val]
        argv = expand(self.template, host=self.host, port=port, **values) + args
        s = Server(argv, self.host, port, self.name, self.workdir, wrap=wrap, env=env,
                   rlimit_nofile=rlimit_nofile, ready=self.ready_kind)
        s.values = values  # what each placeholder was filled with ({metrics_port}, ...)
        self.servers.append(s)
        s.start()
        if ready:
            try:
                s.wait_ready()
            except LaunchError as e:
                if plain and e.timed_out:
                    NEVER_READY[self.template] = (
                        NEVER_READY.get(self.template, (0,))[0] + 1, self.test_name, str(e))
                raise
            NEVER_READY.pop(self.template, None)
        return s

    def stop_all(self):
        """Stop every instance; return problems worth failing the test for."""
        problems = []
        for s in self.servers:
            if s.proc is None:
                continue
            was_alive = s.alive()
            rc, clean, left = s.stop()
            if was_alive and not clean:
                problems.append(f"{s.name} did not exit within {T(10):.0f}s of SIGTERM; killed")
            if left:
                problems.append(f"{s.name} left processes behind after it stopped: "
                                + "; ".join(left))
            problems += [f"{s.name}: {n}" for n in s.cleanup_notes]
            if s.killed_for:
                problems.append(s.killed_for)
        return problems


def raise_nofile_limit():
    """Raise this process's soft fd limit to the hard limit (1000s of clients)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def is_addr_in_use(err):
    return isinstance(err, OSError) and err.errno == errno.EADDRINUSE
