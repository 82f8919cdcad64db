"""pytest plugin: the launch contract as fixtures, requirement markers, and a
machine-readable result file that tools/osnet turns into a scorecard.

Loaded for every test through pytest.ini (-p osnet_harness.plugin).
"""
import json
import os
import pathlib
import re
import shutil
import socket
import tempfile
import time
import tomllib

import pytest

from . import launch, sandbox, sanreport
from .backends import Backend
from .cli import Cli
from .specs import ROOT, all_requirements
from .timeouts import T, multiplier

REFERENCES = ROOT / "conformance" / "references.toml"
SUITES = ("conformance", "faults", "pcap")


def load_references():
    """{component: [{"name", "impl", "kind"}...]} from conformance/references.toml."""
    with open(REFERENCES, "rb") as f:
        data = tomllib.load(f)
    out = {}
    for comp, entries in data.items():
        out[comp] = [dict(e, kind=e.get("kind", "reference")) for e in entries.get("impl", [])]
    return out


def build_dir():
    return ROOT / os.environ.get("OSNET_BUILD", "build")


def fill_build(template):
    """References name their binaries as {build}/bin/... and osnet's own
    wrappers as {osnet}/tools/...; resolve both."""
    return template.replace("{build}", str(build_dir())).replace("{osnet}", str(ROOT))


def pytest_addoption(parser):
    g = parser.getgroup("osnet", "osnet launch contract")
    g.addoption("--impl", help="command template of the program under test, e.g. "
                "'./server --host {host} --port {port}' (default: the reference)")
    g.addoption("--impl-name", help="name shown for the implementation")
    g.addoption("--impl-src", action="append", default=[],
                help="a library component's implementation (threadpool, mempool, channel, "
                     "green): a .c, .S, .o or .a file compiled with the checks (repeatable)")
    g.addoption("--impl-cflags", help="extra compiler flags for --impl-src (e.g. -Iinclude)")
    g.addoption("--addr", help="HOST:PORT of a server that is already running; tests that "
                "must start or stop the server are skipped")
    g.addoption("--osnet-json", help="write per-test results (with requirement IDs) here")
    g.addoption("--osnet-progress-fd", type=int, help="write one progress line per test to this fd")
    g.addoption("--osnet-req", action="append", default=[], help="run only tests citing this ID")
    g.addoption("--osnet-artifacts", help="where server logs and captures are kept")
    g.addoption("--osnet-known", action="append", default=[],
                help="a requirement this program is known not to meet (references.toml): "
                     "its tests are reported, not counted")
    g.addoption("--osnet-batch", metavar="FILE.json",
                help="tools/check-broken: several programs in one session, a JSON list of "
                     "{id, name, impl or srcs, reqs}; each program runs the tests of its "
                     "requirements and stops at its first failure")
    g.addoption("--osnet-skip", action="append", default=[],
                help="ID=why: a requirement that does not apply to this program "
                     "(references.toml `skip`): its tests are skipped with that reason")


def pytest_configure(config):
    config.addinivalue_line("markers", "req(*ids): the spec requirement(s) this test checks")
    # First, before anything opens a socket or starts a thread: the session
    # goes into a network namespace of its own (not with --addr, whose
    # server is outside), so nothing under test reaches beyond loopback.
    sandbox.enter_netns(stay="--addr: the server under test runs outside"
                        if config.getoption("--addr") else None)
    config.osnet_sandbox = sandbox.info()
    launch.raise_nofile_limit()
    art = config.getoption("--osnet-artifacts")
    if not art:
        art = tempfile.mkdtemp(prefix="osnet-artifacts-")
    os.makedirs(art, exist_ok=True)
    config.osnet_artifacts = pathlib.Path(art)
    config.osnet_results = {}
    config.osnet_order = []
    fd = config.getoption("--osnet-progress-fd")
    config.osnet_progress = os.fdopen(fd, "w", buffering=1) if fd else None
    config.osnet_done = 0
    config.osnet_total = 0
    batch = config.getoption("--osnet-batch")
    config.osnet_batch = json.loads(pathlib.Path(batch).read_text()) if batch else None
    config.osnet_failed_entries = set()


def item_reqs(item):
    ids = []
    for m in item.iter_markers("req"):
        ids.extend(m.args)
    return ids


def item_component(item):
    """conformance/echo/test_x.py -> 'echo' (the folder under the suite)."""
    rel = pathlib.Path(item.fspath).resolve().relative_to(ROOT)
    parts = rel.parts
    if len(parts) >= 3 and parts[0] in SUITES:
        return parts[1]
    return None


def item_suite(item):
    rel = pathlib.Path(item.fspath).resolve().relative_to(ROOT)
    return rel.parts[0]


def pytest_collection_modifyitems(session, config, items):
    wanted = set(config.getoption("--osnet-req"))
    known = None
    problems = []
    for item in items:
        ids = item_reqs(item)
        if item_suite(item) in SUITES and not ids:
            problems.append(f"{item.nodeid}: no @pytest.mark.req(ID)")
        if ids:
            known = known or all_requirements()
            for i in ids:
                if i not in known:
                    problems.append(f"{item.nodeid}: cites unknown requirement {i}")
    if problems:
        raise pytest.UsageError("osnet: badly marked tests:\n  " + "\n  ".join(problems))
    # A test of MAY requirements only is informative: its failure is shown on
    # the scorecard but never fails the run (JUnit records it as skipped).
    # So is a test of requirements a real program is known not to meet, for
    # a documented reason (conformance/references.toml, `known`).
    deviations = set(config.getoption("--osnet-known"))
    not_applicable = dict(s.split("=", 1) for s in config.getoption("--osnet-skip"))
    for item in items:
        ids = item_reqs(item)
        if ids and all(i in not_applicable for i in ids):
            why = "; ".join(sorted({not_applicable[i] for i in ids}))
            item.add_marker(pytest.mark.skip(reason=f"does not apply to this program: {why}"))
        elif ids and all(known[i].level == "MAY" for i in ids):
            item.add_marker(pytest.mark.xfail(reason="MAY: informative", strict=False))
        elif ids and all(known[i].level == "MAY" or i in deviations for i in ids):
            item.add_marker(pytest.mark.xfail(reason="known deviation", strict=False))
    if config.osnet_batch is not None:
        # Each program runs the tests of the requirements it breaks, and
        # nothing else; a test that does not reach the program (no `impl`)
        # belongs to none of them.
        by_id = {e["id"]: e for e in config.osnet_batch}
        keep = [i for i in items if _entry_of(i) in by_id
                and set(by_id[_entry_of(i)]["reqs"]) & set(item_reqs(i))]
        deselected = [i for i in items if i not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = keep
    if wanted:
        keep = [i for i in items if wanted & set(item_reqs(i))]
        deselected = [i for i in items if i not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = keep
    config.osnet_total = len(items)


def _entry_of(item):
    """The id of the batch program an item runs against, or None."""
    cs = getattr(item, "callspec", None)
    entry = cs.params.get("osnet_entry") if cs is not None else None
    return entry["id"] if entry else None


def pytest_generate_tests(metafunc):
    """Batch mode: every test that reaches the program under test runs once
    per program of the batch whose requirements it may cite (the marks of
    parameters are only known later, where the rest are deselected)."""
    entries = metafunc.config.osnet_batch
    if entries is None or "osnet_entry" not in metafunc.fixturenames:
        return
    fn_reqs = {r for m in metafunc.definition.iter_markers("req") for r in m.args}
    params = [e for e in entries if not fn_reqs or fn_reqs & set(e["reqs"])]
    if params:
        metafunc.parametrize("osnet_entry", params, ids=[e["id"] for e in params],
                             indirect=True, scope="session")


@pytest.fixture(scope="session", autouse=True)
def osnet_entry(request):
    """Batch mode: the program this test runs against; else None. Autouse,
    so that it is among every test's fixture names when tests are
    generated: a conftest's `launcher(launcher)` override hides the
    plugin launcher's own dependencies (`impl`) from that list."""
    return getattr(request, "param", None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    entry = _entry_of(item)
    if entry is not None and entry in item.config.osnet_failed_entries:
        pytest.skip("this program already failed a test (batch mode stops at the first)")


class Impl:
    """What the tests of one component are pointed at."""

    def __init__(self, template, name, remote=None):
        self.template, self.name, self.remote = template, name, remote


def resolve_impl(config, component):
    addr = config.getoption("--addr")
    template = config.getoption("--impl")
    name = config.getoption("--impl-name")
    if addr:
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise pytest.UsageError(f"--addr wants HOST:PORT, got {addr!r}")
        return Impl(None, name or f"server at {addr}", (host.strip("[]"), int(port)))
    if template:
        return Impl(template, name or template.split()[0])
    refs = load_references().get(component) or []
    if not refs:
        raise pytest.UsageError(f"no --impl given and no reference for component {component!r}")
    return Impl(fill_build(refs[0]["impl"]), refs[0]["name"])


@pytest.fixture
def impl(request, osnet_entry):
    if osnet_entry is not None:
        return Impl(osnet_entry.get("impl"), osnet_entry["name"])
    return resolve_impl(request.config, item_component(request.node))


# Servers that speak UDP: ready when they answer a probe datagram.
UDP_COMPONENTS = {"udp-echo", "guess"}


@pytest.fixture
def workdir(request, impl):
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:80]
    implsafe = re.sub(r"[^A-Za-z0-9_.-]+", "_", impl.name)[:40]
    d = request.config.osnet_artifacts / implsafe / item_component(request.node) / safe
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


@pytest.fixture
def launcher(request, impl, workdir):
    """Start (more) instances of the program under test; all stopped afterwards."""
    if impl.remote:
        pytest.skip("--addr: this test starts and stops the server itself; "
                    "run it without --addr to check this requirement")
    comp = item_component(request.node)
    lch = launch.Launcher(impl.template, impl.name, str(workdir),
                          ready_kind="udp" if comp in UDP_COMPONENTS else "tcp")
    lch.test_name = request.node.nodeid
    request.node.osnet_launcher = lch
    yield lch
    # Problems stopping the program are reported with this test's result but
    # do not fail it: they belong to ECHO-016-style requirements, which test
    # stopping on purpose, not to whatever this test checks.
    for p in lch.stop_all():
        request.node.user_properties.append(("cleanup", p))
    # Killed for its output after the test's own verdict was made: still a failure.
    killed = [s.killed_for for s in lch.servers if s.killed_for
              and not getattr(request.node, "osnet_killed_reported", False)]
    if killed:
        pytest.fail(killed[0], pytrace=False)
    # Read after the stop: a leak is reported as the program exits.
    for s in lch.servers:
        found = sanreport.scan_file(s.stderr_path) if s.proc is not None else None
        if found:
            pytest.fail(sanreport.message(s.command_line(), *found), pytrace=False)


@pytest.fixture
def need_strace():
    """Skips the test when strace (the fault injector and tracer) is missing."""
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (tools/install-deps installs it)")


@pytest.fixture
def cli(request, impl, workdir):
    """The command-line program under test (cat, grep, ps, ...): cli.run(args)."""
    if impl.remote:
        pytest.skip("--addr is for servers; a command-line tool is run by the test itself")
    c = Cli(impl.template, impl.name, workdir)
    yield c
    for p in c.stop_all():
        request.node.user_properties.append(("cleanup", p))
    if c.sanitizer_reports:
        pytest.fail(sanreport.message(*c.sanitizer_reports[0]), pytrace=False)


@pytest.fixture
def server(request, impl):
    """The program under test, started and ready (or the --addr server)."""
    if impl.remote:
        s = launch.RemoteServer(*impl.remote)
        if item_component(request.node) in UDP_COMPONENTS:
            if not launch.udp_probe(s.addr, wait=T(5)):
                pytest.fail(f"--addr {s.host}:{s.port}: no answer to a UDP probe datagram",
                            pytrace=False)
            return s
        try:
            socket.create_connection(s.addr, timeout=T(5)).close()
        except OSError as e:
            pytest.fail(f"--addr {s.host}:{s.port}: cannot connect: {e}", pytrace=False)
        return s
    return request.getfixturevalue("launcher").start()  # LaunchError: reported as such


@pytest.fixture
def fake_backends():
    """A factory of started fake origin servers (osnet_harness.backends):
    fake_backends(3) -> [Backend "b0", "b1", "b2"]; all stopped after the test."""
    started = []

    def make(n=1, prefix="b"):
        made = [Backend(f"{prefix}{len(started) + i}").start() for i in range(n)]
        started.extend(made)
        return made

    yield make
    for b in started:
        b.stop()


class Report:
    """Extra lines for the failure report of the current test."""

    def __init__(self, item):
        self.item = item

    def repro(self, command):
        self.item.user_properties.append(("repro", command))

    def artifact(self, path):
        self.item.user_properties.append(("artifact", str(path)))


@pytest.fixture
def report(request):
    return Report(request.node)


def _dead_server(item):
    """'<command> exited (...)' for the first launched server that died on its
    own (not stopped by the test), else None."""
    lch = getattr(item, "osnet_launcher", None)
    for s in (lch.servers if lch is not None else ()):
        if getattr(s, "proc", None) is not None and not s.alive() and s.stopped is None:
            rc = s.proc.returncode if getattr(s, "proc", None) else None
            return f"{s.name} exited ({launch.describe_status(rc)})"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    rep.osnet_reqs = item_reqs(item)
    rep.osnet_entry = _entry_of(item)
    rep.osnet_component = item_component(item)
    rep.osnet_suite = item_suite(item)
    rep.osnet_message = None
    # What failed: the program did not meet an expectation ("assertion"), could
    # not be started ("launch"), or the test itself broke ("harness": a bug here).
    rep.osnet_kind = ""
    if call.excinfo is not None and (rep.failed or hasattr(rep, "wasxfail")):
        exc = call.excinfo.value
        if isinstance(exc, launch.LaunchError):
            rep.osnet_kind = "launch"
        elif isinstance(exc, AssertionError) or call.excinfo.typename == "Failed":
            rep.osnet_kind = "assertion"
            # A short echo or a reset may be all the test saw of a crash: name
            # it, or the failure reads like a bug in the bytes.
            died = _dead_server(item) if call.when == "call" else None
            if died is not None and died not in str(exc):
                exc = f"{exc}\n({died} during the test)"
        else:
            rep.osnet_kind = "harness"
            died = _dead_server(item) if isinstance(exc, OSError) else None
            if died is not None:
                # A socket error because the program under test died is the
                # program's failure, not the test's.
                rep.osnet_kind = "assertion"
                exc = f"{died} during the test (the test then saw {call.excinfo.typename}: {exc})"
        if rep.osnet_kind != "harness":
            rep.osnet_message = str(exc)
        else:
            rep.osnet_message = (f"{call.excinfo.typename}: {exc}\n"
                                 + rep.longreprtext[-1500:])
    lch = getattr(item, "osnet_launcher", None)
    killed = [s.killed_for for s in (lch.servers if lch is not None else ()) if s.killed_for]
    if killed and call.when == "setup":
        item.osnet_killed_reported = True  # the LaunchError says it already
    elif killed and call.when == "call":
        # The sandbox killed the program (its output went past
        # --max-output): that is the test's failure, whatever it then saw.
        item.osnet_killed_reported = True
        seen = rep.osnet_message or (rep.longreprtext[-1500:] if rep.failed else "")
        rep.osnet_kind = "assertion"
        rep.osnet_message = killed[0] + (f"\n(the test then saw: {seen.strip()})" if seen else "")
        if not hasattr(rep, "wasxfail"):  # an informative (MAY) test stays informative
            rep.outcome = "failed"
            rep.longrepr = rep.osnet_message
    tails = []
    if lch is not None and (rep.failed or hasattr(rep, "wasxfail")):
        for s in lch.servers:
            t = s.stderr_tail()
            if t:
                tails.append(f"[{s.command_line()}]\n{t}")
    rep.osnet_stderr = "\n".join(tails)


def pytest_runtest_logreport(report):
    config = _config_of(report)
    if config is None:
        return
    res = config.osnet_results.get(report.nodeid)
    if res is None:
        res = {"nodeid": report.nodeid, "reqs": report.osnet_reqs,
               "component": report.osnet_component, "suite": report.osnet_suite,
               "outcome": "passed", "message": "", "skip_reason": "", "repro": [],
               "artifacts": [], "stderr_tail": "", "duration": 0.0, "cleanup": [],
               "failure_kind": "", "entry": report.osnet_entry}
        config.osnet_results[report.nodeid] = res
        config.osnet_order.append(report.nodeid)
    res["duration"] += report.duration
    if getattr(report, "wasxfail", None) is not None and report.when == "call":
        # An informative (MAY) test: pytest says xfailed/xpassed, we say what happened.
        if report.skipped:
            res["outcome"] = "failed"
            res["message"] = report.osnet_message or report.longreprtext[-1500:]
            if report.osnet_stderr:
                res["stderr_tail"] = report.osnet_stderr
    elif report.skipped and res["outcome"] == "passed":
        res["outcome"] = "skipped"
        lr = report.longrepr
        res["skip_reason"] = lr[2] if isinstance(lr, tuple) else str(lr)
        res["skip_reason"] = res["skip_reason"].removeprefix("Skipped: ")
    elif report.failed:
        if report.osnet_entry is not None:
            config.osnet_failed_entries.add(report.osnet_entry)
        if report.when == "call" or res["outcome"] in ("passed", "skipped"):
            res["outcome"] = "failed" if report.when == "call" else "error"
        msg = report.osnet_message or report.longreprtext[-1500:]
        res["failure_kind"] = res["failure_kind"] or report.osnet_kind
        res["message"] = (res["message"] + "\n" if res["message"] else "") + \
            (f"[{report.when}] " if report.when != "call" else "") + msg
        if report.osnet_stderr:
            res["stderr_tail"] = report.osnet_stderr
    for k, v in report.user_properties:
        if k == "repro" and v not in res["repro"]:
            res["repro"].append(v)
        if k == "artifact" and v not in res["artifacts"]:
            res["artifacts"].append(v)
        if k == "cleanup" and v not in res["cleanup"]:
            res["cleanup"].append(v)
    if report.when == "teardown":
        config.osnet_done += 1
        out = config.osnet_progress
        if out:
            word = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "skipped": "SKIP"}[res["outcome"]]
            name = report.nodeid.split("::", 1)[-1]
            out.write(f"  [{config.osnet_done:>3}/{config.osnet_total}] {word}  "
                      f"{','.join(res['reqs']):<18} {res['suite']}/{name} "
                      f"({res['duration']:.1f}s)\n")


_CONFIG = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG.append(session.config)


def _config_of(report):
    return _CONFIG[-1] if _CONFIG else None


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    path = config.getoption("--osnet-json")
    if not path:
        return
    data = {
        "timeout_multiplier": multiplier(),
        "sandbox": getattr(config, "osnet_sandbox", None),
        "artifacts": str(config.osnet_artifacts),
        "finished": time.time(),
        "tests": [config.osnet_results[n] for n in config.osnet_order],
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def pytest_unconfigure(config):
    # Whatever a test left running in a cgroup of this process (the
    # fixtures stop what they started; this is for a test cut short).
    sandbox.finish()
