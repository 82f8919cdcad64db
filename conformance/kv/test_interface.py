"""KV-001..003: options, usage errors, stopping, a port in use."""
import signal
import socket

import pytest

from kvclient import Conn, Simple
from osnet_harness.launch import describe_status, free_port, group_members
from osnet_harness.timeouts import T

ALL_OPTIONS = ["--appendonly", "no", "--appendfsync", "everysec", "--pubsub-limit", "32m",
               "--hz", "10", "--maxclients", "100", "--timeout", "0"]


@pytest.mark.req("KV-001")
def test_two_instances_with_every_option(start, workdir):
    other = workdir / "data2"
    other.mkdir()
    a = start(*ALL_OPTIONS)
    # ARGS_SIZE values take a k, m or g suffix.
    b = start(*[("1k" if v == "32m" else v) for v in ALL_OPTIONS], datadir=str(other))
    assert a.port != b.port
    for s in (a, b):
        with Conn(s.addr) as c:
            got = c.call("PING")
            assert got == Simple("PONG"), (
                f"PING to the instance on port {s.port} (started with "
                f"{' '.join(s.argv[-14:])}): {got!r}, expected +PONG")


def _exit_status(start, args, what):
    s = start(*args, ready=False)
    rc = s.wait_exit(T(10))
    if rc is None:
        raise AssertionError(f"{what}: the program was still running {T(10):.0f}s after it was "
                             f"started\ncommand: {s.command_line()}\n{s.stderr_block()}")
    return s, rc


BAD = [["--no-such-option", "1"], ["--appendonly", "maybe"], ["--appendfsync", "sometimes"],
       ["--hz", "0"], ["--hz", "501"], ["--maxclients", "many"], ["--pubsub-limit", "lots"],
       ["--timeout", "-1"], ["--port"]]


@pytest.mark.req("KV-001")
@pytest.mark.parametrize("args", BAD, ids=["unknown-option", "appendonly-maybe",
                                           "appendfsync-sometimes", "hz-0", "hz-501",
                                           "maxclients-nan", "pubsub-limit-nan",
                                           "timeout-negative", "port-without-value"])
def test_usage_error_exits_2(start, args):
    s, rc = _exit_status(start, args, f"a usage error ({' '.join(args)})")
    assert rc == 2, (f"after the usage error {' '.join(args)} the program ended with "
                     f"{describe_status(rc)}; expected exit status 2\ncommand: "
                     f"{s.command_line()}\n{s.stderr_block()}")
    assert s.stderr_tail().strip(), (f"usage error {' '.join(args)}: exit status 2 but no "
                                     f"message on stderr\ncommand: {s.command_line()}")


@pytest.mark.req("KV-002")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_with_status_0(start, sig):
    s = start()
    c = Conn(s.addr)
    idle = Conn(s.addr, name="idle client")
    try:
        assert c.call("SET", "k", "v") == Simple("OK")
        s.signal_group(sig)
        rc = s.wait_exit(T(10))
        assert rc is not None, (f"the program did not exit within {T(10):.0f}s of {sig.name} "
                                f"(two clients connected, one idle)\n{s.stderr_block()}")
        assert rc == 0, (f"after {sig.name} the program ended with {describe_status(rc)}; "
                         f"expected exit status 0\n{s.stderr_block()}")
        left = group_members(s.pid)
        assert not left, f"after {sig.name} processes of the program are left: {left}"
    finally:
        c.close()
        idle.close()


@pytest.mark.req("KV-003")
def test_port_in_use(start):
    port = free_port()
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.1", port))
        blocker.listen(8)
        s = start(port=port, ready=False)
        rc = s.wait_exit(T(10))
    finally:
        blocker.close()
    assert rc is not None, (f"started on port {port}, which another socket listens on, the "
                            f"program was still running after {T(10):.0f}s\n{s.stderr_block()}")
    assert rc != 0, (f"started on a port in use, the program ended with {describe_status(rc)};"
                     f" expected a non-zero exit status\n{s.stderr_block()}")
    assert s.stderr_tail().strip(), "port in use: the program exited but wrote nothing on stderr"
