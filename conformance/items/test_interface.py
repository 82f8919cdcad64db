"""ITEMS-001..004: options, exit statuses, /healthz."""
import pathlib
import socket
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import Items, body_json  # noqa: E402
from osnet_harness.httpclient import HttpError  # noqa: E402
from osnet_harness.launch import describe_status, free_port  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402

ALL_OPTIONS = ["--threads", "2", "--max-body", "65536", "--max-items", "1000",
               "--rate", "0", "--burst", "5", "--log-level", "info",
               "--shutdown-timeout", "5"]


@pytest.mark.req("ITEMS-001")
def test_two_instances_with_every_option(launcher, workdir):
    other = pathlib.Path(workdir) / "data2"
    other.mkdir()
    a = Items(launcher.start(args=ALL_OPTIONS))
    b = Items(launcher.start(args=ALL_OPTIONS, datadir=str(other)))
    assert a.addr[1] != b.addr[1]
    for s in (a, b):
        s.expect(s.call("GET", "/healthz"), 200, f"GET /healthz on port {s.addr[1]} (one of "
                 f"two instances started with {' '.join(ALL_OPTIONS)})")


def _exit_status(launcher, args, what):
    s = launcher.start(args=args, ready=False)
    rc = s.wait_exit(T(10))
    if rc is None:
        raise HttpError(f"{what}: the program was still running {T(10):.0f}s after it was "
                        f"started\ncommand: {s.command_line()}\n{s.stderr_block()}")
    return s, rc


@pytest.mark.req("ITEMS-002")
@pytest.mark.parametrize("args", [["--no-such-option"], ["--storage", "paper"],
                                  ["--max-body", "lots"], ["--rate", "fast"]],
                         ids=["unknown-option", "bad-storage", "max-body-nan", "rate-nan"])
def test_usage_error_exits_2(launcher, args):
    s, rc = _exit_status(launcher, args, f"a usage error ({' '.join(args)})")
    assert rc == 2, (f"after the usage error {' '.join(args)} the program ended with "
                     f"{describe_status(rc)}; expected exit status 2\ncommand: "
                     f"{s.command_line()}\n{s.stderr_block()}")
    assert s.stderr_tail().strip(), (f"usage error {' '.join(args)}: exit status 2 but no "
                                     f"message on stderr\ncommand: {s.command_line()}")


# The blocker with SO_REUSEPORT stands for a second copy of a server that
# sets it (ours does, to give each worker thread a listener): the kernel
# lets any later socket of the same user with the option join the port,
# so a program that sets it must find out on its own that the port is
# taken, or a copy started by mistake takes part of the traffic.
@pytest.mark.req("ITEMS-003")
@pytest.mark.parametrize("reuseport", [False, True], ids=["plain", "reuseport"])
def test_port_in_use_exits_1(launcher, reuseport):
    port = free_port()
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if reuseport:
            blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        blocker.bind(("127.0.0.1", port))
        blocker.listen(8)
        s = launcher.start(port=port, ready=False)
        rc = s.wait_exit(T(10))
    finally:
        blocker.close()
    assert rc is not None, (f"started on port {port}, which another socket listens on, the "
                            f"program was still running after {T(10):.0f}s\n{s.stderr_block()}")
    assert rc == 1, (f"started on a port in use, the program ended with {describe_status(rc)};"
                     f" expected exit status 1\ncommand: {s.command_line()}\n{s.stderr_block()}")
    assert s.stderr_tail().strip(), "port in use: exit status 1 but no message on stderr"


@pytest.mark.req("ITEMS-004")
def test_healthz(svc):
    r = svc.expect(svc.call("GET", "/healthz"), 200, "GET /healthz")
    assert r.media_type() == "application/json", (
        f"GET /healthz: Content-Type {r.get('Content-Type')!r}, expected application/json")
    got = body_json(r)
    assert got == {"status": "ok"}, f"GET /healthz: body {got!r}, expected {{\"status\":\"ok\"}}"
