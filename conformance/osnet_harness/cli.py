"""The launch contract for command-line components (cat, grep, ps, lsof,
syscalls, sumsq): the template is the program and its fixed leading
arguments, with no placeholders; a test appends its own arguments.

    r = cli.run(["-n", "foo", "a.txt"], cwd=corpus)
    assert r.status == 0, r.describe()

Each run gets its own process group, LC_ALL=C unless the test says
otherwise, stdin /dev/null unless given, and SIGPIPE at its default action
(Python's subprocess restores it). A run that outlives its timeout is
killed with its whole group and reported; processes of the group still
alive after the program exited are killed too and listed in `leftover`.

The program runs in a folder of the test's, not the user's. tools/osnet
puts the user's folder (where `osnet check` ran, or the manifest's folder)
in OSNET_CWD, which the program inherits: relative paths in the template
are made absolute against it (absolute_argv); a template that needs more
can use it: `sh -c 'exec "$OSNET_CWD/target/release/mygrep" "$@"' x`
(build first: `cargo run` and `go run` look for their project in the
current folder; `go -C DIR run . --` works).
"""
import collections
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading

from . import sandbox, sanreport
from .launch import check_template, describe_status, describe_pids, template_fields
from .timeouts import T

# Components whose programs are command-line tools, not servers.
CLI_COMPONENTS = {"cat", "grep", "ps", "lsof", "syscalls", "sumsq", "psum", "locality"}

# Output kept per stream: OSNET_MAX_OUTPUT (sandbox.py); a run producing
# more is killed and fails the test rather than the harness running out of
# memory (the largest legitimate output in the suites is a 100 MB line).
# Of stderr only its first and last STDERR_KEPT // 2 bytes are kept (the
# reports show its head or tail), so that a program looping on an error
# message does not fill the test's memory while the run lasts.
STDERR_KEPT = 16 << 20


# A later word of a template names a script in the user's folder when it
# has a '/' or one of these endings (`python3 mygrep.py`); others
# (`python3 -m pkg`, `go run .`) are left alone even if a file of that name
# exists.
SCRIPT_SUFFIXES = (".py", ".js", ".rb", ".pl", ".sh", ".jar")


def absolute_argv(argv, base):
    """The template's argv with its relative paths made absolute against
    `base` (the user's folder, OSNET_CWD), since tests run the program in
    folders of their own: the program when it has a '/', a later word when
    it has a '/' or a script's ending and names an existing file."""
    out = []
    for i, a in enumerate(argv):
        if not os.path.isabs(a) and not a.startswith("-") and \
                ("/" in a or (i > 0 and a.endswith(SCRIPT_SUFFIXES))):
            cand = os.path.join(base, a)
            if i == 0 or os.path.exists(cand):
                a = os.path.normpath(cand)
        out.append(a)
    return out


def template_problem(template, base):
    """Why a command-line tool's template cannot be run (None if it can):
    a placeholder in it, or a program that is not there: a path (relative
    to `base`, the user's folder) that is no executable file, or a bare
    name that is not on PATH."""
    argv = check_template(template, required=())
    fields = template_fields(template)
    if fields:
        return (f"a command-line tool's template takes no placeholders "
                f"({', '.join('{%s}' % f for f in sorted(fields))}): give the program and its "
                f"fixed leading arguments; each test appends its own")
    prog = absolute_argv(argv, base)[0]
    if "/" not in argv[0]:
        if shutil.which(argv[0]) is None:
            return f"{argv[0]} not found on PATH (for a program in your folder, say ./{argv[0]})"
        return None
    where = "" if os.path.isabs(argv[0]) else f" (relative to {base})"
    if not os.path.isfile(prog):
        return f"{argv[0]} not found{where}: {prog} is no file"
    if not os.access(prog, os.X_OK):
        return f"{argv[0]}{where} is not executable (chmod +x {prog}, or name its interpreter)"
    return None


class Result:
    """What one run of the program did."""

    def __init__(self, argv, cwd, env_shown, stdin_desc, status, stdout, stderr, leftover,
                 stdout_desc="", env_removed=()):
        self.argv, self.cwd = argv, cwd
        self.env_shown, self.stdin_desc = env_shown, stdin_desc
        # Where stdout went when not to the test's pipe ("> /dev/full",
        # "| (read by the test)"), and variables taken out of the environment.
        self.stdout_desc, self.env_removed = stdout_desc, list(env_removed)
        self.status, self.stdout, self.stderr = status, stdout, stderr
        # Bytes the program wrote; stderr keeps only its head and tail when
        # it is longer than STDERR_KEPT (Proc.wait sets the counts).
        self.stdout_size, self.stderr_size = len(stdout), len(stderr)
        self.leftover = leftover

    def describe(self):
        """'exit status 2' or 'killed by signal 13 (SIGPIPE)'."""
        return describe_status(self.status)

    def usage_error_problems(self, status):
        """What keeps this run from being a command line refused as a usage
        error, as every command-line spec requires: exit status `status`,
        nothing on stdout, a message on stderr. Empty when it is one."""
        problems = []
        if self.status != status:
            problems.append(f"{self.describe()}, expected exit status {status}")
        if self.stdout:
            problems.append(f"stdout not empty: {self.stdout[:200]!r}")
        if not self.stderr.strip():
            problems.append("no message on stderr")
        return problems

    def repro(self):
        """A shell line that runs the same thing by hand."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env_shown.items())
        if self.env_removed:
            env = " ".join(["env"] + [f"-u {k}" for k in self.env_removed] + ([env] if env else []))
        line = f"cd {shlex.quote(self.cwd)} && {env + ' ' if env else ''}{shlex.join(self.argv)}"
        if self.stdin_desc:
            line += f" < {self.stdin_desc}"
        if self.stdout_desc:
            line += f" {self.stdout_desc}"
        return line

    def __repr__(self):
        return (f"<Result {self.describe()} stdout={len(self.stdout)}B "
                f"stderr={self.stderr[:200]!r}>")


class _Drain(threading.Thread):
    """Reads one of the program's pipes to its end, counting every byte
    (size). It keeps the first `head` bytes, and with `tail` also the last
    `tail` bytes; data() joins them with a note of what was left out.
    Past `limit` bytes in all it calls overflow() once. It closes the pipe
    itself once at its end: nobody else may, as closing a file a thread is
    reading waits for that read, that is for every writer of the pipe to be
    gone (a process the kill missed keeps it open)."""

    def __init__(self, f, head, tail=0, limit=0, overflow=None):
        super().__init__(daemon=True)
        self.f, self.size = f, 0
        self.limit, self.overflow = limit, overflow
        self.head_max, self.tail_max = head, tail
        self.head, self.head_size = [], 0
        self.tail, self.tail_size = collections.deque(), 0

    def run(self):
        try:
            while True:
                b = self.f.read1(1 << 20) if hasattr(self.f, "read1") else self.f.read(1 << 20)
                if not b:
                    break
                self.size += len(b)
                if self.limit and self.size > self.limit and self.overflow:
                    self.overflow()
                    self.overflow = None
                room = self.head_max - self.head_size
                if room > 0:
                    self.head.append(b[:room])
                    self.head_size += min(room, len(b))
                    b = b[room:]
                if b and self.tail_max:
                    self.tail.append(b)
                    self.tail_size += len(b)
                    while self.tail_size - len(self.tail[0]) >= self.tail_max:
                        self.tail_size -= len(self.tail.popleft())
        except (OSError, ValueError):
            pass
        finally:
            try:
                self.f.close()
            except OSError:
                pass

    def data(self):
        tail = b"".join(self.tail)[-self.tail_max:] if self.tail_max else b""
        left_out = self.size - self.head_size - len(tail)
        note = (f"\n[... {left_out} bytes left out by the test harness ...]\n".encode()
                if left_out > 0 and self.tail_max else b"")
        return b"".join(self.head) + note + tail


class _Feed(threading.Thread):
    """Writes the test's stdin bytes to the program, then closes the pipe."""

    def __init__(self, f, data):
        super().__init__(daemon=True)
        self.f, self.d = f, data

    def run(self):
        try:
            self.f.write(self.d)
        except (OSError, ValueError):
            pass  # the program exited or closed its stdin without reading all
        try:
            self.f.close()
        except OSError:
            pass


class Proc:
    """A started run (Cli.start): poke at it, then wait() for its Result."""

    def __init__(self, cli, popen, argv, cwd, env_shown, stdin_desc, stdin_data, own_stdout,
                 sb):
        self.cli, self.proc, self.sandbox = cli, popen, sb
        self.pid = popen.pid
        # "stdout"/"stderr" once the program wrote more than the limit to it.
        self.killed_for = None
        self._argv, self._cwd = argv, cwd
        self._env_shown, self._stdin_desc = env_shown, stdin_desc
        self.stdout_desc, self.env_removed = "", []  # set by Cli.start (Result's)
        self.result = None
        self._threads = []
        limit = sb.limits.output
        self._out = _Drain(popen.stdout, limit or (1 << 62), limit=limit,
                           overflow=lambda: self._overflow("stdout")) \
            if own_stdout and popen.stdout else None
        self._err = _Drain(popen.stderr, STDERR_KEPT // 2, STDERR_KEPT // 2, limit=limit,
                           overflow=lambda: self._overflow("stderr"))
        for t in (self._out, self._err):
            if t is not None:
                t.start()
        if stdin_data is not None:
            self._threads.append(_Feed(popen.stdin, stdin_data))
            self._threads[-1].start()

    def kill_group(self, sig=signal.SIGKILL):
        """Send sig to the program's process group; SIGKILL goes to every
        process of its sandbox too (one that left the group included)."""
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            self.sandbox.kill()

    def _overflow(self, what):
        if self.killed_for is None:
            self.killed_for = what
            self.sandbox.kill()

    def _repro(self):
        return Result(self._argv, self._cwd, self._env_shown, self._stdin_desc,
                      None, b"", b"", [], self.stdout_desc, self.env_removed).repro()

    def wait(self, timeout=None):
        """Wait for the program to end (default T(60)); its Result. On
        timeout the group is killed and AssertionError raised. Processes
        of its group still alive when it has exited are killed (they would
        hold its pipes open) and listed in Result.leftover."""
        if self.result is not None:
            return self.result
        timeout = T(60) if timeout is None else timeout
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_group()
            self.proc.wait()
            self._join()
            self.cli._forget(self)
            self.cli._close(self)
            err = self._err.data()
            raise AssertionError(
                f"{shlex.join(self._argv)} did not finish within {timeout:.0f}s "
                f"(killed); stderr: {err[-500:]!r}\n  reproduce: {self._repro()}") from None
        leftover = self.cli._reap(self)
        self._join()
        self.cli._forget(self)
        out = self._out.data() if self._out else b""
        err = self._err.data()
        if self.proc.returncode in (126, 127) and err.startswith(b"osnet-sandbox: "):
            why = err.decode(errors="replace").strip().splitlines()[-1]
            raise AssertionError(f"cannot run {shlex.join(self._argv)}: "
                                 f"{why.removeprefix('osnet-sandbox: ')}")
        found = sanreport.find(err)
        if found:
            # Failed after the test (plugin.py), whatever the test made of the run.
            self.cli.sanitizer_reports.append((self._repro(), *found))
        if self.killed_for:
            # stdout beyond the limit is not kept: the test could not judge it.
            limit = self.sandbox.limits.output
            raise AssertionError(f"{shlex.join(self._argv)} was killed: more than {limit} bytes "
                                 f"on {self.killed_for} (--max-output "
                                 f"{sandbox.format_size(limit)})\n  reproduce: {self._repro()}")
        oom = self.sandbox.memory_killed()
        if oom:
            # Read from its memory cgroup (Cli._reap removed it, remembering).
            raise AssertionError(f"{shlex.join(self._argv)} was {oom}\n"
                                 f"  reproduce: {self._repro()}")
        self.result = Result(self._argv, self._cwd, self._env_shown, self._stdin_desc,
                             self.proc.returncode, out, err, leftover, self.stdout_desc,
                             self.env_removed)
        # Bytes written, also those not kept (stderr's middle).
        self.result.stdout_size = self._out.size if self._out else 0
        self.result.stderr_size = self._err.size
        return self.result

    def _join(self):
        # The drains close their pipes when they end. One still reading after
        # the wait is left to it (a daemon thread): closing the pipe here
        # would block until its last writer is gone.
        for t in [self._out, self._err, *self._threads]:
            if t is not None:
                t.join(T(10))
        if self._out is None and self.proc.stdout is not None:
            try:
                self.proc.stdout.close()  # the pipe the test read itself
            except OSError:
                pass


class Cli:
    """Runs the program under test (a CLI template) with test arguments."""

    def __init__(self, template, name, workdir):
        self.template, self.name, self.workdir = template, name, str(workdir)
        argv = check_template(template, required=())
        if any("{" in a for a in argv):
            raise ValueError(f"a command-line tool's template takes no placeholders: {template!r}")
        self.prog = self._absolute(argv)
        self.running = []
        self.leftovers = []  # (name, "pid cmdline"s) of runs that left processes behind
        self.notes = []  # what else runs left behind (files in their TMPDIR)
        # (reproduce line, what, excerpt) of each run whose stderr holds a
        # sanitizer or valgrind report (sanreport.py).
        self.sanitizer_reports = []

    @staticmethod
    def _absolute(argv):
        return absolute_argv(argv, os.environ.get("OSNET_CWD") or os.getcwd())

    def argv(self, args=()):
        return self.prog + [os.fspath(a) for a in args]

    def _prepare(self, args, stdin, cwd, env, stdout, wrap):
        argv = list(wrap) + self.argv(args)
        cwd = str(cwd or self.workdir)
        shown = {"LC_ALL": "C"}
        shown.update(env or {})
        full_env = dict(os.environ)
        full_env.update(shown)
        removed = []
        for k, v in list(shown.items()):
            if v is None:
                full_env.pop(k, None)
                shown.pop(k)
                removed.append(k)
        stdin_desc, stdin_data, stdin_arg = "/dev/null", None, subprocess.DEVNULL
        if isinstance(stdin, (bytes, bytearray)):
            stdin_arg, stdin_data = subprocess.PIPE, bytes(stdin)
            p = tempfile.NamedTemporaryFile(dir=self.workdir, prefix="stdin-", delete=False)
            p.write(stdin_data)
            p.close()
            stdin_desc = shlex.quote(p.name)
        elif isinstance(stdin, int):
            stdin_arg, stdin_desc = stdin, "(a descriptor the test made)"
        elif stdin is not None:
            stdin_arg = open(os.fspath(stdin), "rb")
            stdin_desc = shlex.quote(os.fspath(stdin))
        # None: the harness reads stdout into Result.stdout; subprocess.PIPE:
        # the test reads p.proc.stdout itself; a path or a descriptor: there.
        out_arg, close_out, out_desc = subprocess.PIPE, None, ""
        if isinstance(stdout, (str, os.PathLike)):
            out_arg = close_out = open(os.fspath(stdout), "wb")
            out_desc = f"> {shlex.quote(os.fspath(stdout))}"
        elif stdout == subprocess.PIPE:
            out_desc = "| (a reader: the test, which may close it early as head does)"
        elif stdout is not None:
            out_arg, out_desc = stdout, "> (a descriptor the test made)"
        return (argv, cwd, shown, full_env, stdin_desc, stdin_data, stdin_arg, out_arg,
                close_out, (out_desc, removed))

    def start(self, args=(), *, stdin=None, cwd=None, env=None, stdout=None, wrap=()):
        """Start the program; returns a Proc (see Proc.wait). stdout: None
        (collected into the Result), subprocess.PIPE (the test reads
        p.proc.stdout itself), a path such as "/dev/full", or a descriptor."""
        (argv, cwd, shown, full_env, stdin_desc, stdin_data, stdin_arg,
         out_arg, close_out, (out_desc, removed)) = self._prepare(args, stdin, cwd, env, stdout,
                                                                  wrap)
        sb = sandbox.Sandbox(argv, full_env)
        try:
            popen = subprocess.Popen(sb.command(argv), cwd=cwd, env=sb.environ(full_env),
                                     stdin=stdin_arg, stdout=out_arg, stderr=subprocess.PIPE,
                                     start_new_session=True, restore_signals=True)
        except OSError as e:
            sb.close()
            raise AssertionError(f"cannot run {shlex.join(argv)}: {e}") from None
        finally:
            if close_out is not None:
                close_out.close()
            if hasattr(stdin_arg, "close"):
                stdin_arg.close()
        p = Proc(self, popen, argv, cwd, shown, stdin_desc, stdin_data, own_stdout=stdout is None,
                 sb=sb)
        p.stdout_desc, p.env_removed = out_desc, removed
        self.running.append(p)
        return p

    def assert_usage_errors(self, argvs, status=2):
        """Runs each command line of argvs and fails, naming every one that
        was not refused as a usage error (Result.usage_error_problems)."""
        bad = []
        for argv in argvs:
            r = self.run(argv)
            problems = r.usage_error_problems(status)
            if problems:
                bad.append(f"usage error {argv}: " + "; ".join(problems)
                           + f"\n  reproduce: {r.repro()}")
        assert not bad, f"{len(bad)} of {len(argvs)} bad command lines:\n" + "\n".join(bad)

    def run(self, args=(), *, stdin=None, cwd=None, env=None, stdout=None, wrap=(),
            timeout=None):
        """Run the program to its end; its Result."""
        return self.start(args, stdin=stdin, cwd=cwd, env=env, stdout=stdout,
                          wrap=wrap).wait(timeout)

    def _reap(self, p):
        """Kill what is left of the program's sandbox once it has exited
        (its process group, and whatever left the group: setsid daemons);
        their pids. Notes what else it left (files in its TMPDIR)."""
        left = p.sandbox.members()
        if left:
            self.leftovers.append((self.name, describe_pids(left)))
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.sandbox.kill(T(5))
        self._close(p)
        return left

    def _close(self, p):
        self.notes += [f"{self.name}: {n}" for n in p.sandbox.close()]

    def _forget(self, p):
        if p in self.running:
            self.running.remove(p)

    def stop_all(self):
        """After a test: kill runs it left going; problems as text."""
        notes = []
        for p in list(self.running):
            if p.proc.poll() is None:
                notes.append(f"pid {p.pid} was still running after the test (killed)")
            p.kill_group()
            try:
                p.proc.wait(timeout=T(5))
            except subprocess.TimeoutExpired:
                pass
            p._join()
            self._forget(p)
            self._close(p)
        for name, pids in self.leftovers:
            notes.append(f"{name} left processes behind after it exited (killed): "
                         + "; ".join(pids))
        return notes + self.notes
