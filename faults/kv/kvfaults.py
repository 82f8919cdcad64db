"""What the kv fault scenarios share.

- conformance/kv's RESP2 client (kvclient.Conn), whose cmd() and reply()
  here tell a connection that ends before a whole reply (Closed) from one
  that stays silent (NoReply); replies are decoded as there (+OK ->
  Simple, alias Status; -ERR -> Error, alias Err; :1 -> int; bulk ->
  bytes; nil -> None; array -> list);
- expect() (one command, its reply checked) and serves() ("a new client
  can still SET and GET"), each failing with the program's state (exited?
  its stderr) in the message; loaded() waits out redis-server's -LOADING
  after a restart;
- whether the template has a data directory ({datadir});
- Model: what the acknowledged, refused and unanswered changes of a
  scenario allow each key to hold, checked on a running program (after a
  restart, that is what durability means);
- the server's side of a connection (its receive queue in /proc/net/tcp)
  and the program's resident memory.
"""
import fcntl
import os
import struct
import termios
import time

import pytest

from inject import dead_note, tcp_table
from kv.kvclient import INCOMPLETE, Error, KvError, Simple, encode
from kv.kvclient import Conn as KvConn
from osnet_harness.launch import describe_status, group_members, template_fields
from osnet_harness.timeouts import T

NEEDS_DIR = ("needs a --dir template ({datadir}): without a data directory there is no "
             "append-only file to fail, fill up or find again after a restart")


def require_datadir(impl):
    """Skip, saying why, unless the template gives the program a {datadir}."""
    if impl.remote or "datadir" not in template_fields(impl.template):
        pytest.skip(NEEDS_DIR)


# ---- RESP ------------------------------------------------------------------------

Status = Simple  # +OK: a str subclass
Err = Error      # -ERR ...: .text, .code


class Closed(Exception):
    """The connection ended (EOF or reset) before a whole reply came."""


class NoReply(Exception):
    """No whole reply within the time allowed."""


def show(v, n=60):
    """A reply as a short readable text."""
    if isinstance(v, Error):
        return "-" + v.text[:n]
    if isinstance(v, Simple):
        return "+" + v[:n]
    if isinstance(v, bytes):
        return repr(v[:n]) + (f"... ({len(v)} bytes)" if len(v) > n else "")
    if isinstance(v, list):
        return "[" + ", ".join(show(x, 20) for x in v[:6]) + (", ..." if len(v) > 6 else "") + "]"
    return repr(v)


class Conn(KvConn):
    """conformance/kv's client connection, with the two ways a reply can
    fail to come told apart, as the scenarios need: Closed (the stream
    ended: the program closed or reset it, or died) and NoReply (nothing
    within the time allowed)."""

    def __init__(self, addr, rcvbuf=None, name="client"):
        super().__init__(addr, name=name, rcvbuf=rcvbuf)

    def send_raw(self, data):
        try:
            super().send_raw(data)
        except OSError as e:
            raise Closed(f"send: {type(e).__name__}: {e}") from None

    def reply(self, timeout=None):
        """The next whole reply. Raises Closed or NoReply."""
        limit = T(15) if timeout is None else timeout
        r = self.try_reply(limit)
        if r is INCOMPLETE:
            pending = len(self.parser.pending())
            part = f" after {pending} bytes of a reply" if pending else ""
            if self.eof:
                raise Closed(f"{self.eof}{part}")
            raise NoReply(f"no whole reply within {limit:.0f}s{part}")
        return r

    def cmd(self, *args, timeout=None):
        """Send one command and return its reply (Closed, NoReply)."""
        self.send_raw(encode(*args))
        return self.reply(timeout)

    def unread(self):
        """Bytes the kernel holds for this socket that nobody has read."""
        b = fcntl.ioctl(self.sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", b)[0]


def fail_note(server):
    """" The program exited (...)." and its stderr: the end of a message."""
    return dead_note(server) + "\n" + server.stderr_block()


def show_cmd(args):
    parts = []
    for a in args:
        a = a.encode() if isinstance(a, str) else (str(a).encode() if isinstance(a, int) else a)
        parts.append(a.decode(errors="replace") if len(a) <= 40 else f"<{len(a)} bytes>")
    return " ".join(parts)


def expect(conn, args, want, what, server, timeout=None):
    """Send args on conn; the reply must equal want."""
    try:
        got = conn.cmd(*args, timeout=timeout)
    except (Closed, NoReply) as e:
        raise AssertionError(f"{what}: no reply to {show_cmd(args)} ({e})" + fail_note(server)) \
            from None
    if got != want or type(got) is not type(want):
        raise AssertionError(f"{what}: {show_cmd(args)} answered {show(got)}, expected "
                             f"{show(want)}" + fail_note(server))
    return got


def loaded(server, what):
    """Wait until the program answers commands, not -LOADING
    (Conn.wait_loaded). Returns the server."""
    with Conn(server.addr) as c:
        try:
            c.wait_loaded(timeout=T(15))
        except KvError as e:
            raise AssertionError(f"{what}: {e}" + fail_note(server)) from None
    return server


_probe = [0]


def serves(server, what):
    """A new client SETs a key of its own and GETs it back; AssertionError
    saying `what` otherwise."""
    _probe[0] += 1
    key, val = f"probe:{os.getpid()}:{_probe[0]}", os.urandom(200)
    try:
        with Conn(server.addr) as c:
            expect(c, ("SET", key, val), Status("OK"), f"{what}: a new client", server)
            expect(c, ("GET", key), val, f"{what}: a new client", server)
    except OSError as e:
        raise AssertionError(f"{what}: a new client could not connect ({e})" + fail_note(server)) \
            from None


# ---- what each key may hold ------------------------------------------------------------

class Model:
    """The keys a scenario changed, and what each may hold now.

    ack(keys, values): a change acknowledged; the keys hold those values
    (None: absent). refused(keys): a change answered with an error; the keys
    hold what they held before (a key never set before stays absent).
    maybe(keys, values): a change that got no reply (the connection or the
    program ended first); the keys hold, all together, what they held
    before or the new values. A later acknowledged change of the same keys
    settles that."""

    def __init__(self):
        self.state = {}      # key -> value (bytes) or None (absent)
        self.unsure = {}     # keys (tuple) -> [possible values (tuple)]

    def now(self, key):
        return self.state.get(key)

    def ack(self, keys, values):
        keys = tuple(keys)
        for u in [u for u in self.unsure if set(u) & set(keys)]:
            del self.unsure[u]
        for k, v in zip(keys, values):
            self.state[k] = v

    def refused(self, keys):
        for k in keys:
            if not any(k in u for u in self.unsure):
                self.state.setdefault(k, None)

    def maybe(self, keys, values):
        keys = tuple(keys)
        if keys in self.unsure:
            self.unsure[keys].append(tuple(values))
        else:
            self.unsure[keys] = [tuple(self.state.get(k) for k in keys), tuple(values)]
        for k in keys:  # not known any more: one of the options
            self.state.pop(k, None)

    def keys(self):
        out = set(self.state)
        for keys in self.unsure:
            out.update(keys)
        return sorted(out)

    def check(self, server, what):
        """Every key holds what the model allows, on the running program
        (read with MGET in batches). Unsure changes are then settled to
        what was found. Returns {key: value found}."""
        keys = self.keys()
        found = {}
        with Conn(server.addr) as c:
            for i in range(0, len(keys), 200):
                batch = keys[i:i + 200]
                try:
                    got = c.cmd("MGET", *batch, timeout=T(30))
                except (Closed, NoReply) as e:
                    raise AssertionError(f"{what}: no reply to MGET of {len(batch)} keys ({e})"
                                         + fail_note(server)) from None
                if not isinstance(got, list) or len(got) != len(batch):
                    raise AssertionError(f"{what}: MGET of {len(batch)} keys answered {show(got)}")
                found.update(zip(batch, got))
        wrong = [(k, v, found[k]) for k, v in self.state.items() if found[k] != v]
        if wrong:
            k, want, got = wrong[0]
            lost = sum(1 for _, w, g in wrong if w is not None and g is None)
            made = sum(1 for _, w, g in wrong if w is None and g is not None)
            raise AssertionError(
                f"{what}: {len(wrong)} of {len(self.state)} keys do not hold what the replies "
                f"to their changes said ({lost} acknowledged values are gone, {made} keys "
                f"exist that were deleted or whose change was refused); e.g. {k!r} holds "
                f"{show(got)}, expected {show(want)}" + fail_note(server))
        for keys, options in self.unsure.items():
            now = tuple(found[k] for k in keys)
            if now not in options:
                raise AssertionError(
                    f"{what}: changes that got no reply (keys {list(keys)}) left them as "
                    f"{[show(x) for x in now]}: none of the states they allow, all keys "
                    f"together: " + "; ".join(str([show(x) for x in o]) for o in options))
        for keys in self.unsure:
            for k in keys:
                self.state[k] = found[k]
        self.unsure = {}
        return found


# ---- the program, seen from outside ------------------------------------------------------

def rss_kib(server):
    """Resident memory of every process of the program, in KiB."""
    total = 0
    for pid in group_members(server.pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def _hexport(hexaddr):
    return int(hexaddr.rsplit(":", 1)[1], 16)


def server_unread(server_port, sock):
    """Bytes sent on sock that the server's kernel holds and the program has
    not read yet (its socket's receive queue), or None when not found."""
    mine = sock.getsockname()[1]
    for p in tcp_table():
        if len(p) > 4 and _hexport(p[1]) == server_port and _hexport(p[2]) == mine:
            return int(p[4].split(":")[1], 16)
    return None


def wait_server_read(server_port, sock, timeout):
    """Wait until the program has read everything sent on sock (its receive
    queue is empty); returns whether it did within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if server_unread(server_port, sock) == 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def stop_gracefully(server, what):
    """SIGTERM; exit status 0 within T(20)."""
    rc, clean, left = server.stop(timeout=T(20))
    if not clean or rc != 0:
        raise AssertionError(f"{what}: after SIGTERM the program "
                             + (f"did not exit within {T(20):.0f}s (killed)" if not clean
                                else describe_status(rc)) + "; expected exit status 0\n"
                             + server.stderr_block())
