"""What the proxy, lb and sidecar fault scenarios share.

- load_fixtures(): a conformance folder's conftest.py loaded under a name of
  its own, so a fault folder's conftest can re-export its fixtures (the
  scenarios then start the program exactly as the conformance tests do);
- descriptor accounting over every process of the program (nginx's master
  and worker), with the TCP state of each socket for the failure report;
- OriginProcess: the harness's fake origin in a process of its own, so that
  it can be killed with SIGKILL in the middle of a response and started
  again on the same port;
- HttpOrigin: our HTTP server (build/bin/http) as an origin whose accept
  calls fail on demand (libfiu plus our shim, through the control FIFO);
- the malloc scenario that proxy, lb and sidecar share (libfiu's libc/mm
  points switched on, then off, in every process of the program), and
  malloc_test(), the part of their tests around it;
- fetch_new(): one request on a new connection that must get a complete
  response; answered_by(): one that must get a given origin's 200.
"""
import importlib.util
import json
import os
import pathlib
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib

import pytest

from inject import Fiu
from osnet_harness.httpclient import (Conn, HttpError, ProtocolError, fetch, get, request,
                                     show)
from osnet_harness.launch import describe_status, free_port, group_members
from osnet_harness.net import rst_close
from osnet_harness.specs import ROOT
from osnet_harness.timeouts import T

# proxykit (the proxy conformance tests' helpers): its fast pattern() of the
# fake origin's /bytes bodies, and the response readers the scenarios use.
sys.path.insert(0, str(ROOT / "conformance" / "proxy"))
from proxykit import pattern  # noqa: E402

PY = "/usr/bin/python3"
BUILD = ROOT / os.environ.get("OSNET_BUILD", "build")


def load_fixtures(component):
    """conformance/<component>/conftest.py as a module named
    <component>_conformance_fixtures (its folder goes on sys.path, for the
    helpers it and the scenarios import: proxykit, lbkit, sidecarkit)."""
    folder = ROOT / "conformance" / component
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    name = f"{component}_conformance_fixtures"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, folder / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def dead_note(server):
    if server.alive():
        return ""
    return f" The program exited ({describe_status(server.proc.returncode)})."


def fetch_new(server, rq, what, why="", addr=None):
    """rq on a new connection to the program (or to addr, another port of
    it): its complete response, within T(15). Otherwise an AssertionError:
    "<what> got no complete response (<error>)<why>." and the program's
    state."""
    try:
        return fetch(addr or server.addr, rq, timeout=T(15))
    except (HttpError, OSError) as e:
        raise AssertionError(f"{what} got no complete response ({str(e).splitlines()[0]}){why}."
                             f"{dead_note(server)}\n" + server.stderr_block()) from None


def answered_by(server, origin, rq, what):
    """A new client's rq gets origin's 200 (X-Backend names it)."""
    method, target = rq.split(b" ")[:2]
    asked = f"{what}: a new client's {method.decode()} {target.decode().split('?')[0]}"
    r = fetch_new(server, rq, asked)
    if r.status != 200 or r.get("X-Backend") != origin.name:
        raise AssertionError(f"{asked} should get the origin's 200; got:\n" + r.summary())


# ---- descriptors ---------------------------------------------------------------

TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING"}


def _addr(hexaddr):
    ip, port = hexaddr.split(":")
    if len(ip) == 8:
        host = socket.inet_ntop(socket.AF_INET, bytes.fromhex(ip)[::-1])
    else:
        raw = bytes.fromhex(ip)
        host = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1]
                                                          for i in range(0, 16, 4)))
    return f"{host}:{int(port, 16)}"


def tcp_sockets():
    """{inode: (state, local, remote)} of every TCP socket the kernel lists."""
    out = {}
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/net/{name}") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            p = line.split()
            if len(p) > 9:
                out[p[9]] = (TCP_STATES.get(int(p[3], 16), p[3]), _addr(p[1]), _addr(p[2]))
    return out


def process_fds(server):
    """{pid: [what each open descriptor is]} for every process of the
    program's process group."""
    out = {}
    for pid in group_members(server.pid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        targets = []
        for fd in fds:
            try:
                targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                pass
        out[pid] = targets
    return out


def fd_count(server):
    return sum(len(t) for t in process_fds(server).values())


def describe_fds(server):
    """The program's descriptors, grouped: sockets by TCP state and peer
    (a CLOSE_WAIT one is a connection the peer ended and the program never
    closed), the rest by kind."""
    socks = tcp_sockets()
    lines = []
    for pid, targets in sorted(process_fds(server).items()):
        kinds = {}
        for t in targets:
            if t.startswith("socket:["):
                st = socks.get(t[8:-1])
                key = f"TCP {st[0]} {st[1]} -> {st[2]}" if st else "socket (not TCP, or closed)"
            elif t.startswith("anon_inode:"):
                key = t
            elif t.startswith("pipe:"):
                key = "pipe"
            else:
                key = "file " + t
            kinds[key] = kinds.get(key, 0) + 1
        lines.append(f"    pid {pid}: {len(targets)} open")
        for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"      {n:4d} x {k}")
    return "\n".join(lines) or "    (no process left)"


def expect_no_fd_leak(server, base, before, slack, after):
    """The program, which held `base` descriptors (`before`: describe_fds()
    then), must come down to at most base + slack (idle pooled connections)
    within T(10), `after` (what happened since)."""
    n, ok = wait_fds_at_most(server, base + slack, T(10))
    if not ok:
        raise AssertionError(
            f"{after}, it holds {n} descriptors; it held {base} before, and at most "
            f"{base + slack} are allowed (idle pooled connections): descriptors of cut "
            f"exchanges are left open.{dead_note(server)}\nbefore:\n{before}\nnow:\n"
            + describe_fds(server))


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


# ---- an origin that can be killed ---------------------------------------------

ORIGIN_MAIN = """
import sys, threading
sys.path.insert(0, sys.argv[1])
from osnet_harness.backends import Backend
Backend(sys.argv[2]).start(port=int(sys.argv[3]))
print("ready", flush=True)
threading.Event().wait()
"""


class OriginProcess:
    """osnet_harness.backends.Backend in a python process of its own, on a
    fixed port: kill() is a real SIGKILL (the kernel closes its sockets; no
    code of the origin runs), start() listens again on the same port."""

    def __init__(self, name, workdir, port=None):
        self.name = name
        self.port = port or free_port()
        self.log = pathlib.Path(workdir) / f"origin-{name}.log"
        self.proc = None

    @property
    def hostport(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([PY, "-c", ORIGIN_MAIN, str(ROOT / "conformance"),
                                          self.name, str(self.port)],
                                         stdout=subprocess.PIPE, stderr=err,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        r, _, _ = select.select([self.proc.stdout], [], [], T(20))
        line = self.proc.stdout.readline() if r else b""
        if line.strip() != b"ready":
            self.kill()
            raise RuntimeError(f"the origin process did not start on port {self.port}: "
                               f"{self.log.read_text(errors='replace')[-1000:]}")
        return self

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
        self.proc = None


# ---- an origin whose accept fails ----------------------------------------------

class HttpOrigin:
    """build/bin/http serving `files` ({name: bytes}) on a port of its own,
    one thread, started under fiu-run with our shim and a control FIFO:
    fail_accept() makes every accept/accept4 fail with an errno (the
    connections then complete in the kernel and wait in the listen queue,
    as with a real EMFILE), accept_again() ends it."""

    def __init__(self, workdir, files):
        self.dir = pathlib.Path(workdir) / "http-origin"
        self.root = self.dir / "root"
        self.root.mkdir(parents=True)
        for name, data in files.items():
            (self.root / name).write_bytes(data)
        self.port = free_port()
        self.fiu = Fiu(self.dir, control=True)
        self.proc = self.ctl = None

    @property
    def hostport(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        exe = BUILD / "bin" / "http"
        if not exe.exists():
            raise RuntimeError(f"{exe} is missing: run make")
        cmd = self.fiu.wrap() + [str(exe), "--host", "127.0.0.1", "--port", str(self.port),
                                 "--root", str(self.root), "--threads", "1",
                                 "--idle-timeout", "600", "--header-timeout", "600"]
        with open(self.dir / "stderr.log", "ab") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         start_new_session=True)
        deadline = time.monotonic() + T(15)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (self.dir / "stderr.log").read_text(errors="replace")
                    raise RuntimeError(f"the origin {' '.join(cmd)} did not start: {log[-800:]}")
                time.sleep(0.05)
        self.ctl = self.fiu.control(self.proc.pid).wait()
        return self

    def fail_accept(self, err):
        for p in ("accept", "accept4"):
            self.ctl.command(f"enable name=osnet/net/{p},failinfo={err}")

    def accept_again(self):
        for p in ("accept", "accept4"):
            self.ctl.command(f"disable name=osnet/net/{p}")

    def fired(self):
        return self.fiu.fired()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None


def rst(conn):
    """Close conn so that the kernel sends RST (SO_LINGER on, 0 s)."""
    rst_close(conn.sock)


# ---- memory running out (libfiu's libc/mm points) ------------------------------

MM_POINTS = ("libc/mm/malloc", "libc/mm/calloc", "libc/mm/realloc")


def preloaded(pid):
    """Is libfiu's libc wrapper (fiu_posix_preload.so) mapped into process pid?"""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "fiu_posix_preload" in f.read()
    except OSError:
        return False


class Probe:
    """Requests of three shapes, one at a time, each checked: GET /echo on a
    new connection, POST /echo with a 100 KB body on a new connection, and
    (every other request) GET /bytes/300000 on a kept-alive connection (a
    new one once the program closed it)."""

    POST_BODY = bytes((i * 7 + 3) % 256 for i in range(100000))

    def __init__(self, addr, read_timeout, start=0):
        self.addr = addr
        self.read_timeout = read_timeout
        self.kept = None
        self.n = start  # the number in the next request's target (and its shape)

    def close(self):
        if self.kept is not None:
            self.kept.close()
            self.kept = None

    def one(self):
        """Send the next request; returns ('ok' | '5xx' | 'closed', detail).
        Raises AssertionError for a wrong answer or no answer at all."""
        i = self.n
        self.n += 1
        shape = (0, 2, 1, 2)[i % 4]  # half of them on the kept-alive connection
        if shape == 0:
            rq = get(f"/echo?probe={i}", [("Connection", "close")])
        elif shape == 1:
            rq = request("POST", f"/echo?probe={i}", [("Connection", "close"),
                                                      ("Content-Type", "application/octet-stream")],
                         body=self.POST_BODY)
        else:
            rq = get("/bytes/300000")
        conn = None
        try:
            if shape == 2:
                if self.kept is None:
                    self.kept = Conn(self.addr, timeout=T(10))
                conn = self.kept
            else:
                conn = Conn(self.addr, timeout=T(10))
            conn.send(rq)
            r = conn.read_response(rq.split(b" ", 1)[0].decode(), timeout=self.read_timeout,
                                   idle=self.read_timeout)
        except ProtocolError as e:
            # The connection ended before a complete response: allowed.
            self._drop(conn, shape)
            return "closed", str(e).splitlines()[0]
        except HttpError as e:
            self._drop(conn, shape)
            raise AssertionError(f"request #{i + 1} ({rq.split(b' HTTP')[0].decode()}): neither "
                                 f"answered nor closed within {self.read_timeout:.0f}s: "
                                 f"{str(e).splitlines()[0]}") from None
        except OSError as e:  # refused, reset while sending
            self._drop(conn, shape)
            return "closed", f"{type(e).__name__}: {e}"
        if shape != 2:
            conn.close()
        elif "close" in r.tokens("Connection"):
            self._drop(conn, shape)
        what = f"request #{i + 1} ({rq.split(b' HTTP')[0].decode()})"
        if 500 <= r.status <= 599:
            return "5xx", f"{r.status}"
        if r.status != 200:
            raise AssertionError(f"{what}: status {r.status}; expected the origin's 200, a 5xx, "
                                 f"or a closed connection\n" + r.summary())
        if shape == 2:
            if r.body != pattern(0, 300000):
                raise AssertionError(f"{what}: a 200 whose body is not the origin's 300000 "
                                     f"bytes ({len(r.body)} bytes, starting {show(r.body[:40])})")
            return "ok", "200"
        try:
            echo = json.loads(r.body)
        except ValueError:
            raise AssertionError(f"{what}: a 200 whose body is not the origin's JSON echo\n"
                                 + r.summary()) from None
        body = self.POST_BODY if shape == 1 else b""
        want = {"method": "POST" if shape == 1 else "GET", "target": f"/echo?probe={i}",
                "body_length": len(body), "body_crc32": zlib.crc32(body), "complete": True}
        got = {k: echo.get(k) for k in want}
        if got != want:
            raise AssertionError(f"{what}: the 200 relayed is not the origin's answer to this "
                                 f"request: the origin saw {got}, expected {want}")
        return "ok", "200"

    def _drop(self, conn, shape):
        if conn is None:
            return
        conn.close()
        if shape == 2:
            self.kept = None


def mm_command(server, fiu, line):
    """Send one libfiu command to every process of the program that serves a
    control FIFO. Returns the pids reached."""
    reached = []
    for pid in group_members(server.pid):
        ctl = fiu.control(pid)
        if ctl.present():
            ctl.command(line)
            reached.append(pid)
    return reached


def _in_thread(fn):
    """Run fn() in a thread; returns (thread, box): box['result'] or box['error']."""
    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: B902 (handed to the caller)
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


BURST = 8  # connections opened at once at the start of each window


def malloc_scenario(server, fiu, probe, what, windows=((1.0, 6), (0.25, 36)), after=12,
                    patience=None):
    """Memory runs out in windows: in each, libfiu makes malloc, calloc and
    realloc fail (every call, or with a probability) in every process of the
    program while requests come: first BURST at once on new connections (a
    program that keeps pools of what one exchange needs must allocate for
    that many), then `count` one at a time from `probe`. While every call
    fails, requests not answered within `patience` end the window early
    (memory comes back: with nothing at all to allocate, a program may be
    unable even to accept); every request must be answered correctly, with
    a 5xx, or closed, within probe.read_timeout. Then `after` requests must
    all be answered correctly.
    Returns [(window, outcome, detail)] for the requests the fault touched,
    or a skip reason (str) when libfiu is not in the program. Raises
    AssertionError on a crash, a hang or a wrong answer."""
    patience = T(3) if patience is None else patience
    fiu.control(server.pid).wait()
    pids = group_members(server.pid)
    if not any(preloaded(p) for p in pids):
        return ("libfiu's preload library is not mapped into the program (a static binary, or "
                "one that does not use the C library): malloc failures cannot be injected")
    # Before: the program works (and has set itself up: pools, buffers).
    for k in range(3):
        outcome, detail = probe.one()
        if outcome != "ok":
            raise AssertionError(f"{what}: before any fault, request #{probe.n} got {outcome} "
                                 f"({detail})" + dead_note(server) + "\n" + server.stderr_block())
    seen = []
    for w, (prob, count) in enumerate(windows):
        label = ("while every malloc, calloc and realloc failed" if prob >= 1 else
                 f"while malloc, calloc and realloc failed with probability {prob}")
        # GETs and POSTs on new connections (shapes 0 and 1 of Probe), with
        # targets of their own.
        burst = [Probe(probe.addr, probe.read_timeout, start=10000 * (w + 1) + 4 * j + 2 * (j % 2))
                 for j in range(BURST)]
        steps = [[b.one for b in burst]] + [[probe.one]] * count
        for p in MM_POINTS:
            mm_command(server, fiu, f"enable_random name={p},probability={prob}" if prob < 1
                       else f"enable name={p}")
        on = True
        try:
            for fns in steps:
                runs = [_in_thread(fn) for fn in fns]
                deadline = time.monotonic() + (patience if prob >= 1 else probe.read_timeout + T(5))
                for t, _ in runs:
                    t.join(max(0.0, deadline - time.monotonic()))
                stalled = any(t.is_alive() for t, _ in runs)
                if stalled:
                    # Not answered in time: memory comes back, and the
                    # requests must be answered or closed now.
                    on = False
                    for p in MM_POINTS:
                        mm_command(server, fiu, f"disable name={p}")
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
            for b in burst:
                b.close()
            if on:
                try:
                    for p in MM_POINTS:
                        mm_command(server, fiu, f"disable name={p}")
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


UPSTREAM_TIMEOUT = 5  # --upstream-timeout of malloc_test(): a lost request still gets a 504

NOT_REACHED = ("every request was answered correctly while malloc, calloc and realloc "
               "failed, 8 clients at once included: the program does not allocate "
               "through the C library's malloc while it forwards (its own allocator, or "
               "memory set aside in advance), so the fault did not reach it")


def malloc_test(launcher, workdir, what, args=(), then=None):
    """The malloc tests of proxy, lb and sidecar: the program started under
    fiu-run with --upstream-timeout UPSTREAM_TIMEOUT (and `args`),
    malloc_scenario() with a Probe; then(server), if given, once memory is
    back. Skipped when libfiu is not mapped into the program, or when no
    request was touched by the fault (NOT_REACHED)."""
    fiu = Fiu(workdir, control=True)
    s = launcher.start(wrap=fiu.wrap(), args=["--upstream-timeout", str(UPSTREAM_TIMEOUT),
                                              *args])
    probe = Probe(s.addr, read_timeout=UPSTREAM_TIMEOUT + T(20))
    try:
        seen = malloc_scenario(s, fiu, probe, what)
    finally:
        probe.close()
    if isinstance(seen, str):
        pytest.skip(seen)
    if then is not None:
        then(s)
    if not seen:
        pytest.skip(NOT_REACHED)
