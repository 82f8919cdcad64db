"""HTTP checks shared by the http fault scenarios."""
import os
import resource
import socket
import struct
import time

from osnet_harness.httpclient import HttpError, describe, exchange, get
from osnet_harness.launch import group_members
from osnet_harness.net import describe_diff
from osnet_harness.timeouts import T


def dead_note(server):
    return "" if server.alive() else " The server process is gone."


def check_file(resp, site, target, what):
    """resp is a 200 carrying exactly the bytes of `target` under the root."""
    want = site[target]
    if resp.status != 200 or resp.body != want:
        raise HttpError(f"{what}\n" + describe(
            resp.request, f"200 and the {len(want)} bytes of {target}", resp,
            note=describe_diff(want, resp.body) if resp.status == 200 else None))


def get_file(server, site, target, what, conn=None):
    """GET target (on conn, or a fresh connection closed afterwards) and check
    it is the file's bytes. Returns the response."""
    try:
        c, r = exchange(server.addr, get(target), conn=conn, timeout=T(60))
    except (OSError, HttpError) as e:
        raise HttpError(f"{what}: no complete response to GET {target} ({e}).{dead_note(server)}\n"
                        + server.stderr_block()) from None
    if conn is None:
        c.close()
    check_file(r, site, target, what)
    return r


def closes_after(resp):
    return "close" in resp.tokens("Connection")


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def limit_processes(server, headroom):
    """Set RLIMIT_NOFILE of every process of the server (nginx: the master and
    each worker; a limit set on the master alone would not reach workers that
    already run) to what it has open now plus headroom. Returns {pid: limit}."""
    limits = {}
    for pid in group_members(server.pid):
        n = open_fds(pid)
        if n is None:
            continue
        limits[pid] = n + headroom
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limits[pid], limits[pid]))
    return limits


def wait_fds(limits, pred, timeout):
    """Poll the processes' descriptor counts until pred({pid: count}) holds.
    Returns the last counts and whether pred held."""
    deadline = time.monotonic() + timeout
    while True:
        counts = {pid: open_fds(pid) for pid in limits}
        counts = {pid: n for pid, n in counts.items() if n is not None}
        if not counts:  # every process is gone
            return counts, False
        if pred(counts):
            return counts, True
        if time.monotonic() > deadline:
            return counts, False
        time.sleep(0.05)


def reset_close(conn):
    """Close with SO_LINGER 0: the kernel sends RST, not FIN."""
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
