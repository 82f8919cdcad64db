"""Library components (threadpool, mempool, channel, green): the checks are
cmocka C files, compiled together with the implementation under test
(`tools/osnet check threadpool --impl-src my_pool.c`) and run one test per
process, so that a crash, a deadlock, a leak or a data race is the failure
of the one test that caused it.

A check file, conformance/<comp>/check_<feature>.c (faults/<comp>/ too):

    /* VARIANTS: asan tsan */          first lines: the builds it runs in
    #include "libcheck.h"
    /* REQ: TP-003 TP-004 */           right above a test: what it checks
    /* DIES: overflowed its stack */   the process must die, stderr matching this
    /* VARIANTS: plain */              this test's builds, instead of the file's
    /* TIMEOUT: 120 */                 seconds (scaled), default 60
    static void name(void **state) { ... }
    LIBCHECK_MAIN(cmocka_unit_test(name), ...)

and next to it a test_checks.py of two lines: `test_checks = checks_of(__file__)`.

Objects and binaries are cached in $OSNET_BUILD/libcheck/, named by a hash
of what went into them, so the conformance, fault and broken-program
stages of make check compile each source once per variant.
"""
import functools
import hashlib
import os
import pathlib
import re
import shlex
import signal
import subprocess

import pytest

from . import launch, sandbox
from .cli import _Drain
from .specs import ROOT
from .timeouts import T

SUPPORT = ROOT / "conformance" / "libcheck"
CC = os.environ.get("OSNET_LIBCHECK_CC", "cc")
VARIANTS = {
    "plain": ["-O1", "-g"],
    "asan": ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
             "-fno-sanitize-recover=undefined"],
    "tsan": ["-O1", "-g", "-fsanitize=thread"],
}
DEFAULT_TIMEOUT = 60
# What each variant's runtime is told. LeakSanitizer is on (a leak fails
# the test); a huge request gets NULL from malloc, as without ASan, not an
# abort; a user SIGSEGV handler (green's guard-page report) is allowed;
# ThreadSanitizer reports every race it sees, then exits 66.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:allow_user_segv_handler=1:allocator_may_return_null=1:"
                    "detect_stack_use_after_return=0:print_summary=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    "TSAN_OPTIONS": "halt_on_error=0:second_deadlock_stack=1:exitcode=66",
}
OUTPUT_CAP = 4 << 20


class Check:
    """One test function of a check file and what its comments say."""

    def __init__(self, src, name, line, notes, file_variants):
        self.src, self.name, self.line = src, name, line
        self.reqs = re.findall(r"[A-Z][A-Z0-9]*-\d{3}", notes.get("REQ", ""))
        self.dies = notes.get("DIES")
        self.variants = (notes.get("VARIANTS") or file_variants).split()
        self.timeout = float(notes.get("TIMEOUT", DEFAULT_TIMEOUT))
        bad = [v for v in self.variants if v not in VARIANTS]
        if bad or not self.reqs:
            why = f"unknown variant {bad[0]!r}" if bad else "no /* REQ: ID */ comment above it"
            raise pytest.UsageError(f"{src.relative_to(ROOT)}:{line}: test {name}: {why}")


NOTE = re.compile(r"^\s*/\*\s*([A-Z]+):\s*(.*?)\s*\*/\s*$")
LISTED = re.compile(r"cmocka_unit_test\w*\(\s*(\w+)")
TEST_FN = re.compile(r"^\s*static\s+void\s+(\w+)\s*\(\s*void\s*\*\*\s*\w*\s*\)")


def parse_checks(src):
    """Every test function of a check file with the notes right above it."""
    lines = src.read_text().splitlines()
    file_variants = "asan"
    for head in lines[:5]:
        m = NOTE.match(head)
        if m and m.group(1) == "VARIANTS":
            file_variants = m.group(2)
    checks, notes = [], {}
    for i, text in enumerate(lines, 1):
        m = NOTE.match(text)
        if m and i > 5:
            notes[m.group(1)] = m.group(2)
            continue
        m = TEST_FN.match(text)
        if m and notes:
            checks.append(Check(src, m.group(1), i, notes, file_variants))
        if text.strip():
            notes = {}
    # A test run by LIBCHECK_MAIN but not recognised above (a line between
    # its notes and its definition, not `static void name(void **state)`)
    # would never be run by the suite: say so rather than lose it.
    found = {c.name for c in checks}
    for name in LISTED.findall("\n".join(lines)):
        if name not in found:
            raise pytest.UsageError(
                f"{src.relative_to(ROOT)}: test {name} is in LIBCHECK_MAIN(...) but has no "
                f"/* REQ: ID */ line directly above `static void {name}(void **state)`")
    return checks


@functools.lru_cache(maxsize=None)
def compiler_id():
    try:
        return subprocess.run([CC, "--version"], capture_output=True, text=True).stdout
    except OSError as e:
        raise launch.LaunchError(f"no C compiler ({CC}): {e}") from None


def cache_dir():
    return ROOT / os.environ.get("OSNET_BUILD", "build") / "libcheck"


def digest(words, files):
    """A name for what the compiler makes of these files with these words."""
    h = hashlib.sha256(compiler_id().encode())
    h.update("\0".join(words).encode())
    for f in sorted(set(files)):
        if not f.exists():
            raise launch.LaunchError(f"{f}: no such file")
        h.update(str(f).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:20]


def run_cc(cmd, out, what):
    """Runs one compiler command writing `out` (under a temporary name, then
    renamed: a parallel session never uses a half-written file);
    launch.LaunchError with the compiler's words if it fails."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    p = subprocess.run([*cmd[:-1], str(tmp)], capture_output=True, text=True)
    if p.returncode != 0:
        tmp.unlink(missing_ok=True)
        lines = (p.stdout + p.stderr).strip().splitlines()
        raise launch.LaunchError(f"{what}:\n  " + "\n  ".join(lines[:40])
                                 + ("\n  ..." if len(lines) > 40 else "")
                                 + f"\nthe command: {shlex.join(cmd)}")
    os.replace(tmp, out)


def check_headers(check_src):
    """The headers a check file may include: its folder's, and (a fault
    check sharing the conformance checks' helpers) those of the same
    component in the other suites."""
    comp = check_src.parent.name
    return [h for suite in ("conformance", "faults") for h in (ROOT / suite / comp).glob("*.h")] \
        + list(check_src.parent.glob("*.h"))


class LibImpl:
    """The implementation under test: its sources and the flags they need.

    Each source is compiled once per variant into an object (cached by the
    content of the source, of the headers next to it and of the spec's
    headers), each check file likewise; a check binary is then only a link.
    Ten broken pools checked by eight check files in two variants cost ten
    compiles of a pool per variant, not a hundred and sixty."""

    def __init__(self, name, srcs, cflags=""):
        # Absolute: what the failure report shows works from any folder.
        self.name, self.srcs, self.cflags = name, [pathlib.Path(s).resolve() for s in srcs], cflags
        self.builds = {}  # (check file, variant) -> (binary, script) or the LaunchError

    def compile(self, src, variant, words, headers, what, script):
        """The object of one source in one variant: cached, else compiled."""
        cmd = [CC, "-std=gnu11", "-D_GNU_SOURCE", *VARIANTS[variant], *words, "-c", str(src)]
        obj = cache_dir() / "obj" / f"{src.stem}-{digest(cmd, [src, *headers])}.o"
        cmd += ["-o", str(obj)]
        script.append(shlex.join(cmd))
        if not obj.exists():
            obj.parent.mkdir(parents=True, exist_ok=True)
            run_cc(cmd, obj, what)
        return obj

    def build(self, check_src, variant):
        """The binary of check_src with this implementation in that variant,
        and the shell script that builds it by hand."""
        key = (check_src, variant)
        if key not in self.builds:
            try:
                self.builds[key] = self._build(check_src, variant)
            except launch.LaunchError as e:
                self.builds[key] = e
        got = self.builds[key]
        if isinstance(got, launch.LaunchError):
            raise got
        return got

    def include_dirs(self):
        """The folders of --impl-cflags -I...: their headers are inputs too."""
        words, dirs = shlex.split(self.cflags), []
        for i, w in enumerate(words):
            if w == "-I" and i + 1 < len(words):
                dirs.append(words[i + 1])
            elif w.startswith("-I") and len(w) > 2:
                dirs.append(w[2:])
        return [pathlib.Path(d).resolve() for d in dirs]

    def _build(self, check_src, variant):
        specs_h = list((ROOT / "specs").glob("*.h"))
        # The headers a source may include: next to it, the spec's, those of
        # --impl-cflags -I folders (a header elsewhere, reached by a relative
        # path, is not seen: edit the source too, or clear build/libcheck).
        extra_h = [h for d in self.include_dirs() for h in d.glob("*.h")]
        script, objs = [], []
        for src in self.srcs:
            if src.suffix not in (".c", ".S", ".s"):
                objs.append(src)  # .o, .a, .so: linked as given
                continue
            words = [f"-I{ROOT / 'specs'}", f"-I{src.parent}", *shlex.split(self.cflags)]
            objs.append(self.compile(src, variant, words,
                                     [*src.parent.glob("*.h"), *specs_h, *extra_h],
                                     f"{src.name} does not compile ({variant} build)", script))
        support = [SUPPORT / "libcheck.h"]
        objs.append(self.compile(SUPPORT / "libcheck.c", variant, [f"-I{SUPPORT}"], support,
                                 "libcheck.c does not compile", script))
        words = [f"-DLC_SRCDIR=\"{check_src.parent}\"", f"-I{ROOT / 'specs'}", f"-I{SUPPORT}"]
        objs.append(self.compile(check_src, variant, words,
                                 [*support, *specs_h, *check_headers(check_src)],
                                 f"{check_src.name} does not compile ({variant} build)", script))
        wrap = (SUPPORT / "wrap.flags").read_text().split()
        link = [CC, *VARIANTS[variant], *map(str, objs), "-lcmocka", "-lpthread", "-lm", *wrap]
        given = [o for o in objs if cache_dir() not in o.parents]  # a learner's .o, .a
        binary = cache_dir() / f"{check_src.stem}-{variant}-{digest(link, given)}"
        link += ["-o", str(binary)]
        script.append(shlex.join(link))
        sh = binary.with_suffix(".sh")
        if not binary.exists():
            run_cc(link, binary, f"the implementation does not link with {check_src.name} "
                                 f"({variant} build): a function of the spec's header missing?")
        if not sh.exists():
            sh.write_text("#!/bin/sh -e\n# Builds this check binary as the suite did.\n"
                          + "\n".join(script) + "\n")
        return binary, sh


def references(component):
    from .plugin import fill_build, load_references
    for r in load_references().get(component, []):
        if "src" in r:
            srcs = r["src"] if isinstance(r["src"], list) else [r["src"]]
            return LibImpl(r["name"], [fill_build(s) for s in srcs], r.get("cflags", ""))
    raise pytest.UsageError(f"no --impl-src given and no reference source for {component!r} "
                            f"in conformance/references.toml")


_IMPLS = {}


def lib_impl(config, component, entry=None):
    """The implementation a test checks: the batch program (tools/check-broken),
    --impl-src, or the reference."""
    if entry is not None:
        key = ("entry", entry["id"])
        if key not in _IMPLS:
            _IMPLS[key] = LibImpl(entry["name"], entry["srcs"], entry.get("cflags", ""))
        return _IMPLS[key]
    if component not in _IMPLS:
        srcs = config.getoption("--impl-src")
        if srcs:
            name = config.getoption("--impl-name") or pathlib.Path(srcs[0]).name
            _IMPLS[component] = LibImpl(name, srcs, config.getoption("--impl-cflags") or "")
        else:
            _IMPLS[component] = references(component)
    return _IMPLS[component]


def sanitizer_found(out):
    for pat, what in ((r"LeakSanitizer: detected memory leaks", "LeakSanitizer found a leak"),
                      (r"ThreadSanitizer: data race", "ThreadSanitizer found a data race"),
                      (r"ThreadSanitizer: ", "ThreadSanitizer reported a problem"),
                      (r"ERROR: AddressSanitizer: ([\w-]+)", "AddressSanitizer: {}"),
                      (r"runtime error: ", "UndefinedBehaviorSanitizer: undefined behaviour")):
        m = re.search(pat, out)
        if m:
            return what.format(*m.groups())
    return None


def excerpt(out, limit=60):
    """The lines worth reading: cmocka's verdict and the first report."""
    lines = out.splitlines()
    if len(lines) <= limit:
        return "\n".join(lines)
    start = next((i for i, l in enumerate(lines)
                  if re.search(r"Sanitizer|runtime error|\[  (ERROR|FAILED)", l)), 0)
    start = max(0, start - 5)
    cut = lines[start:start + limit]
    return "\n".join(cut) + f"\n... ({len(lines) - len(cut)} more lines)"


def variant_env(variant):
    """The sanitizer options a variant's binary runs with."""
    return {k: v for k, v in SANITIZER_ENV.items()
            if variant != "plain" and k.startswith(("TSAN",) if variant == "tsan"
                                                   else ("ASAN", "UBSAN"))}


def run_check(binary, check, variant):
    """(status, stdout, stderr, timed out, killed for) of one test, run in a
    sandbox (osnet_harness/sandbox.py) and its own process group. Of each
    stream the last OUTPUT_CAP bytes are kept; killed for is "stdout" or
    "stderr" when the test wrote more than OSNET_MAX_OUTPUT there, or the
    reason when its memory cgroup's limit killed it."""
    env = dict(os.environ, **variant_env(variant))
    cmd = [str(binary), check.name]
    # A sanitizer's shadow memory needs terabytes of address space (a
    # memory cgroup still limits what it uses).
    unlimited = f"a {variant} build" if variant != "plain" else None
    for attempt in (1, 2):
        sb = sandbox.Sandbox(cmd, env, unlimited_memory=unlimited)
        killed = []

        def overflow(what, sb=sb, killed=killed):
            killed.append(what)
            sb.kill()

        p = subprocess.Popen(sb.command(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=sb.environ(env), start_new_session=True)
        limit = sb.limits.output
        drains = [_Drain(p.stdout, 0, OUTPUT_CAP, limit, lambda: overflow("stdout")),
                  _Drain(p.stderr, 0, OUTPUT_CAP, limit, lambda: overflow("stderr"))]
        for d in drains:
            d.start()
        try:
            p.wait(timeout=T(check.timeout))
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            timed_out = True
        sb.kill()  # anything the test forked and left
        # Each drain closes its pipe at its end; closing one still being
        # read would wait for its last writer (one the kill missed) to go.
        for d in drains:
            d.join(T(10))
        sb.close()
        if not killed and sb.memory_killed():
            killed.append(sb.memory_killed())
        out, err = (d.data().decode(errors="replace") for d in drains)
        # ThreadSanitizer cannot run under some address-space layouts of
        # newer kernels; without address randomisation it always can.
        if variant == "tsan" and attempt == 1 and "unexpected memory mapping" in err:
            cmd = ["setarch", os.uname().machine, "-R", str(binary), check.name]
            continue
        break
    return p.returncode, out, err, timed_out, (killed or [None])[0]


def checks_of(test_file):
    """The pytest test that runs every check of the check_*.c files next to
    test_file, each in each of its variants, with its requirement marks."""
    here = pathlib.Path(test_file).resolve().parent
    component = here.name
    params = []
    for src in sorted(here.glob("check_*.c")):
        for c in parse_checks(src):
            for v in c.variants:
                params.append(pytest.param(c, v, id=f"{src.stem}.{c.name}@{v}",
                                           marks=pytest.mark.req(*c.reqs)))
    if not params:
        raise pytest.UsageError(f"{here}: no check_*.c with tests")

    @pytest.mark.parametrize("check,variant", params)
    def test_checks(check, variant, request, report, osnet_entry):
        impl = lib_impl(request.config, component, osnet_entry)
        binary, script = impl.build(check.src, variant)
        env = " ".join(f"{k}={v}" for k, v in variant_env(variant).items())
        report.repro(f"sh {script} && {env + ' ' if env else ''}{binary} {check.name}")
        status, stdout, stderr, timed_out, killed_for = run_check(binary, check, variant)
        out = stdout + ("\n" if stdout and not stdout.endswith("\n") else "") + stderr
        where = f"{check.src.name}:{check.line} {check.name} ({variant} build)"
        if status == 3 and "no test named" in out:
            raise RuntimeError(f"{where}: the test is not listed in LIBCHECK_MAIN(...)")
        art = request.config.osnet_artifacts / re.sub(r"[^\w.-]+", "_", impl.name)[:40] / component
        art.mkdir(parents=True, exist_ok=True)
        log = art / f"{check.src.stem}.{check.name}-{variant}.log"
        log.write_text(out)
        report.artifact(log)
        if killed_for and killed_for.startswith("killed: memory"):
            pytest.fail(f"{where}: {killed_for}\n{excerpt(out)}", pytrace=False)
        if killed_for:
            limit = sandbox.Limits().output
            pytest.fail(f"{where}: killed: more than {limit} bytes on {killed_for} "
                        f"(--max-output {sandbox.format_size(limit)})\n{excerpt(out)}",
                        pytrace=False)
        if timed_out:
            pytest.fail(f"{where}: did not finish within {T(check.timeout):.0f}s and was killed "
                        f"(a deadlock, a lost wakeup, a task that never runs?)\n"
                        f"{excerpt(out)}", pytrace=False)
        how = launch.describe_status(status)
        if check.dies:
            if status == 0:
                pytest.fail(f"{where}: the process was to die with a report matching "
                            f"/{check.dies}/ on stderr, but it ended normally\n{excerpt(out)}",
                            pytrace=False)
            if not re.search(check.dies, stderr):
                pytest.fail(f"{where}: the process {how}, but its stderr has no report "
                            f"matching /{check.dies}/:\n{excerpt(out)}", pytrace=False)
            return
        if status != 0:
            found = sanitizer_found(out)
            pytest.fail(f"{where}: {found or 'failed'} ({how}):\n{excerpt(out)}", pytrace=False)

    return test_checks
