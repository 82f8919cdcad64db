"""What the proxy, lb and sidecar fault scenarios share.

- load_fixtures(): a conformance folder's conftest.py loaded under a name of
  its own, so a fault folder's conftest can re-export its fixtures (the
  scenarios then start the program exactly as the conformance tests do);
- descriptor accounting over every process of the program (nginx's master
  and worker: inject.fd_count()), with the TCP state of each socket for the
  failure report;
- OriginProcess: the harness's fake origin in a process of its own, so that
  it can be killed with SIGKILL in the middle of a response and started
  again on the same port;
- HttpOrigin: our HTTP server (build/bin/http) as an origin whose accept
  calls fail on demand (libfiu plus our shim, through the control FIFO);
- Probe, the requests of the malloc scenario (inject.malloc_scenario())
  that proxy, lb and sidecar share, and malloc_test(), the part of their
  tests around it;
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
import time
import zlib

import pytest

from inject import (BURST, Fiu, dead_note, fd_count, malloc_scenario, tcp_table,  # noqa: F401
                    wait_fds_at_most)
from osnet_harness.httpclient import (Conn, HttpError, ProtocolError, fetch, get, request,
                                     show)
from osnet_harness.launch import free_port, group_members
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
    for p in tcp_table():
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

    def burst(w):
        # GETs and POSTs on new connections (shapes 0 and 1 of Probe), with
        # targets of their own.
        return [Probe(s.addr, probe.read_timeout, start=10000 * (w + 1) + 4 * j + 2 * (j % 2))
                for j in range(BURST)]

    try:
        seen = malloc_scenario(s, fiu, probe, what, burst)
    finally:
        probe.close()
    if isinstance(seen, str):
        pytest.skip(seen)
    if then is not None:
        then(s)
    if not seen:
        pytest.skip(NOT_REACHED)
