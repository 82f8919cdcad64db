"""ITEMS-100..104: graceful shutdown.

The scene of ITEMS-100..103: an idle keep-alive connection, and an upload
(a POST whose head and half its body were sent) in progress when SIGTERM
arrives. Each test checks one part of what must happen next; every wait is
for an event (a refused connect, an end of stream, the process's exit)."""
import json
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from itemskit import (body_json, item_problems, log_records, stop_gracefully, uname,  # noqa: E402
                      wait_refused)
from osnet_harness.httpclient import Conn, HttpError, request, show  # noqa: E402
from osnet_harness.launch import describe_status  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


class Scene:
    def __init__(self, svc):
        self.svc = svc
        self.idle = Conn(svc.addr)
        svc.expect(svc.call("GET", "/healthz", conn=self.idle), 200, "GET /healthz")
        body = json.dumps({"name": uname("upload"), "price": 4,
                           "tags": ["t" * 30] * 10}).encode()
        self.body = body
        half = len(body) // 2
        self.upload = Conn(svc.addr)
        self.upload.send(request("POST", "/items", [("Content-Type", "application/json"),
                                                    ("Content-Length", str(len(body)))])
                         + body[:half])
        self.rest = body[half:]
        # The request has begun once the service holds its head: wait for the
        # metrics to show the upload's connection rather than for a time.
        svc.wait_gauge("active_connections", 3, "the idle and the upload connections, plus "
                       "the scrape's", timeout=T(10))
        svc.server.signal_group(signal.SIGTERM)

    def finish_upload(self):
        self.upload.send(self.rest)
        return self.upload.read_response("POST")

    def close(self):
        self.idle.close()
        self.upload.close()


@pytest.fixture
def scene(start):
    # A shutdown timeout far beyond every wait here: what the tests see
    # must not come from the timeout cutting everything.
    s = Scene(start("--shutdown-timeout", str(int(T(120)))))
    yield s
    s.close()


@pytest.mark.req("ITEMS-100")
def test_new_connections_refused(scene):
    wait_refused(scene.svc.addr, timeout=T(5))
    assert scene.svc.server.alive(), ("after SIGTERM with an upload in progress the program "
                                      "exited instead of finishing it\n"
                                      + scene.svc.server.stderr_block())
    r = scene.finish_upload()      # the service was still there to answer it
    assert r.status < 500, f"the upload begun before SIGTERM got {r.status}"


@pytest.mark.req("ITEMS-101")
def test_idle_connections_closed(scene):
    extra, why = scene.idle.read_eof(timeout=T(5))
    assert why in ("eof", "reset") and not extra, (
        f"the idle keep-alive connection after SIGTERM, with an upload still in progress: "
        f"{'still open after %.0fs' % T(5) if why == 'timeout' else why}"
        + (f", after the bytes {show(extra)}" if extra else "")
        + "; expected it closed with nothing sent")


@pytest.mark.req("ITEMS-102")
def test_request_in_progress_finished(scene):
    wait_refused(scene.svc.addr, timeout=T(5))
    r = scene.finish_upload()
    scene.svc.expect(r, 201, "the POST begun before SIGTERM, finished after it")
    got = body_json(r)
    assert not item_problems(got), f"the 201's body is not an item: {got}"
    assert "close" in r.tokens("Connection"), (
        f"the response to a request finished during shutdown has no Connection: close "
        f"(RFC 9112 §9.6)\n{r.summary()}")
    extra, why = scene.upload.read_eof(timeout=T(10))
    assert why in ("eof", "reset") and not extra, \
        f"after that response the connection was not closed ({why}, {show(extra)})"


@pytest.mark.req("ITEMS-103")
def test_exit_0_and_log_lines(scene):
    wait_refused(scene.svc.addr, timeout=T(5))
    scene.finish_upload()
    scene.close()
    s = scene.svc.server
    rc = s.wait_exit(T(15))
    assert rc is not None, f"the program did not exit within {T(15):.0f}s of SIGTERM once the " \
                           f"last request was answered\n{s.stderr_block()}"
    assert rc == 0, f"after SIGTERM the program ended with {describe_status(rc)}, expected " \
                    f"exit status 0\n{s.stderr_block()}"
    msgs = [r.get("msg") for r in log_records(s, complete_only=False)]
    assert "stopping" in msgs, f"no 'stopping' line on stderr: {msgs[-6:]}"
    assert msgs and msgs[-1] == "stopped", f"the last stderr line is not 'stopped': {msgs[-6:]}"
    assert msgs.index("stopping") < len(msgs) - 1


@pytest.mark.req("ITEMS-103")
def test_sigint(fresh):
    fresh.create()
    rc = stop_gracefully(fresh.server, signal.SIGINT)
    assert rc == 0, f"after SIGINT the program ended with {describe_status(rc)}, expected 0"
    msgs = [r.get("msg") for r in log_records(fresh.server, complete_only=False)]
    assert msgs and msgs[-1] == "stopped", f"the last stderr line is not 'stopped': {msgs[-6:]}"


@pytest.mark.req("ITEMS-104")
def test_shutdown_timeout_cuts(start):
    svc = start("--shutdown-timeout", "1")
    c = Conn(svc.addr)
    try:
        body = json.dumps({"name": uname(), "price": 1}).encode()
        c.send(request("POST", "/items", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(body) + 100))]) + body)
        svc.wait_gauge("active_connections", 2, "the stalled upload plus the scrape",
                       timeout=T(10))
        svc.server.signal_group(signal.SIGTERM)
        rc = svc.server.wait_exit(T(8))
        if rc is None:
            raise HttpError(f"with --shutdown-timeout 1 and an upload that never ends, the "
                            f"program had not exited {T(8):.0f}s after SIGTERM")
        assert rc == 0, f"after cutting the stalled request the program ended with " \
                        f"{describe_status(rc)}, expected exit status 0\n" \
                        f"{svc.server.stderr_block()}"
        _, why = c.read_eof(timeout=T(5))
        assert why in ("eof", "reset"), "the stalled upload's connection is still open"
    finally:
        c.close()
