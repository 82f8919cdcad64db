"""LB-001, LB-002: the command line, and requests forwarded intact to one backend."""
import json
import pathlib
import sys
import zlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lbkit import backend_of, counts, curl_loop, forwarded, send, sequence  # noqa: E402
from osnet_harness.backends import pattern  # noqa: E402
from osnet_harness.httpclient import HttpError, describe, repro  # noqa: E402
from osnet_harness.timeouts import T  # noqa: E402


@pytest.mark.req("LB-001")
def test_every_option_accepted_and_backends_used(launcher, backends, report):
    bs = backends(3)
    args = ["--connect-timeout", "5", "--upstream-timeout", "60", "--max-idle", "60",
            "--log-level", "info", "--policy", "round-robin", "--health-path", "/health",
            "--health-interval", "0.5", "--rise", "2", "--fall", "3", "--eject-time", "10"]
    lb = launcher.start(args=args)
    report.repro(curl_loop(lb.addr))
    names = sequence(lb.addr, 9, tag="opts", what=f"started as `{lb.command_line()}`")
    got = counts(names)
    missing = [b.name for b in bs if b.name not in got]
    strange = [n for n in got if n not in {b.name for b in bs}]
    assert not missing and not strange, (
        f"started as `{lb.command_line()}`, 9 requests one after another went to:\n"
        f"    {' '.join(names)}\n"
        f"expected: all three backends of --backends ({', '.join(b.name for b in bs)}) used"
        + (f"; never used: {', '.join(missing)}" if missing else "")
        + (f"; answered by unknown backends: {', '.join(strange)}" if strange else ""))


def one_receiver(bs, tag, sent, resp):
    """The one Received among all backends whose target contains tag."""
    got = [(b, r) for b in bs for r in forwarded(b, tag)]
    if len(got) != 1:
        where = "; ".join(f"{b.name}: {r.method} {r.target}" for b, r in got) or "none"
        raise HttpError(f"the request should reach exactly one backend; it reached "
                        f"{len(got)}: {where}\n" + describe(sent, "one backend receives it", resp))
    return got[0]


@pytest.mark.req("LB-002")
def test_get_reaches_one_backend_intact(launcher, backends, report):
    bs = backends(2)
    lb = launcher.start()
    for i in range(4):  # every backend of the rotation, twice
        target = f"/echo/a%2Fb?n={i}&q=x+y"
        r = send(lb.addr, target, headers=[("X-Osnet-Test", f"v{i}"), ("Accept", "*/*")])
        report.repro(repro(lb.addr, r.request))
        b, rec = one_receiver(bs, f"n={i}&", r.request, r)
        wrong = []
        if rec.method != "GET" or rec.target != target:
            wrong.append(f"request line {rec.method} {rec.target} (expected GET {target})")
        if rec.header("X-Osnet-Test") != f"v{i}" or rec.header("Accept") != "*/*":
            wrong.append(f"X-Osnet-Test {rec.header('X-Osnet-Test')!r}, Accept "
                         f"{rec.header('Accept')!r} (expected 'v{i}', '*/*')")
        if rec.header("Host") != "osnet.test":
            wrong.append(f"Host {rec.header('Host')!r} (expected 'osnet.test', as sent)")
        if wrong:
            raise HttpError(f"backend {b.name} received the request altered: " + "; ".join(wrong)
                            + "\n" + describe(r.request, "the request intact", r))
        if r.status != 200 or backend_of(r) != b.name:
            raise HttpError(f"the client should get {b.name}'s 200 (X-Backend: {b.name})\n"
                            + describe(r.request, f"200 with X-Backend: {b.name}", r))
        try:
            echoed = json.loads(r.body)
        except ValueError:
            echoed = None
        if not isinstance(echoed, dict) or echoed.get("target") != target or \
                echoed.get("backend") != b.name:
            raise HttpError("the body of the backend's response did not reach the client "
                            "unchanged (its JSON names the backend and the target)\n"
                            + describe(r.request, f"{b.name}'s JSON echo of {target}", r))


@pytest.mark.req("LB-002")
def test_post_body_and_responses_intact(launcher, backends, report):
    bs = backends(2)
    lb = launcher.start()
    body = pattern(7, 300_000)
    r = send(lb.addr, "/echo?post=1", method="POST", body=body,
             headers=[("Content-Type", "application/octet-stream")])
    b, rec = one_receiver(bs, "post=1", r.request, r)
    assert rec.finished.wait(T(10)), f"{b.name} never finished reading the POST body"
    if not rec.complete or rec.body_length != len(body) or \
            rec.body_crc32 != zlib.crc32(body):
        raise HttpError(f"backend {b.name} received a {rec.body_length}-byte body"
                        f"{'' if rec.complete else ' (incomplete)'}, not the 300000 bytes "
                        f"sent (or they differ)\n"
                        + describe(r.request, "the body whole and unchanged", r))
    if r.status != 200 or backend_of(r) != b.name:
        raise HttpError("the POST should be answered with the backend's 200\n"
                        + describe(r.request, f"200 with X-Backend: {b.name}", r))
    # Other statuses and large bodies come back as the backend sent them.
    r = send(lb.addr, "/status/404?st=1")
    if r.status != 404 or backend_of(r) not in {x.name for x in bs}:
        raise HttpError("a backend's 404 must reach the client as a 404\n"
                        + describe(r.request, "404 with X-Backend", r))
    r = send(lb.addr, "/bytes/200000?big=1")
    if r.status != 200 or r.body != pattern(0, 200000):
        raise HttpError("a backend's 200000-byte body must reach the client unchanged\n"
                        + describe(r.request, "200 and the 200000 pattern bytes", r))
