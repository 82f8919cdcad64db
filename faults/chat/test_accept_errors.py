"""CHAT-015: accept failing (EMFILE from a low RLIMIT_NOFILE; ECONNABORTED
and EINTR injected with strace, and with libfiu plus our shim)."""
import pytest

from chat.chatclient import close_all, joined
from chat.chatfaults import chat_round, still_chatting
from inject import Fiu, Strace
from osnet_harness.net import connect_many
from osnet_harness.timeouts import T

HEADROOM = 32   # descriptors the server may open beyond what it uses with two clients
CLIENTS = 80    # more than that: accept fails with EMFILE


@pytest.mark.req("CHAT-015")
def test_emfile_keeps_serving_and_recovers(launcher):
    s = launcher.start()
    a, b = joined(s.addr, "alice", "bob")
    try:
        limit = s.open_fds() + HEADROOM
        s.set_fd_limit(limit)
        for episode in range(2):
            crowd = connect_many(s.addr, CLIENTS, timeout=T(30))
            try:
                still_chatting(a, b, f"while {CLIENTS} clients exceed the limit ({episode})",
                               f"joined clients chat while accept fails with EMFILE (the server "
                               f"may open {limit} descriptors, {CLIENTS} more clients connect)")
            finally:
                for c in crowd:
                    c.close()
            chat_round(s, f"after {CLIENTS} clients exhausted the server's {limit} descriptors "
                          f"and left (episode {episode + 1})", nick=f"e{episode}")
            still_chatting(b, a, f"after episode {episode}", "joined clients after the episode")
    finally:
        close_all([a, b])
    assert s.alive(), "the server exited after running out of descriptors\n" + s.stderr_block()


def serve_rounds(s, label, n=6):
    for i in range(n):
        chat_round(s, f"round {i + 1} of {n}, while {label}", nick=f"r{i}")


@pytest.mark.req("CHAT-015")
@pytest.mark.parametrize("err", ["ECONNABORTED", "EINTR"])
def test_strace_injected_accept_error(launcher, workdir, err):
    st = Strace(workdir, [f"accept,accept4:error={err}:when=1+2"])
    s = launcher.start(wrap=st.wrap())
    a, b = joined(s.addr, "alice", "bob")
    try:
        serve_rounds(s, f"accept failed with {err} now and then")
        still_chatting(a, b, "still here", f"clients joined before accept failed with {err}")
    finally:
        close_all([a, b])
    if st.injected() == 0:
        pytest.skip("the program never called accept or accept4 (io_uring or another "
                    "route), so strace had nothing to inject into")
    assert s.alive(), f"the server exited after accept failed with {err}\n" + s.stderr_block()


@pytest.mark.req("CHAT-015")
def test_libfiu_random_accept_failures(launcher, workdir):
    """fiu-run -x: half of the accept/accept4 calls fail with ECONNABORTED (103)."""
    fiu = Fiu(workdir, enable=[
        "enable_random name=osnet/net/accept,probability=0.5,failinfo=103",
        "enable_random name=osnet/net/accept4,probability=0.5,failinfo=103"])
    s = launcher.start(wrap=fiu.wrap())
    serve_rounds(s, "half of the accept calls failed with ECONNABORTED", n=8)
    if not fiu.fired():
        pytest.skip("no accept or accept4 call went through libc (io_uring or raw system "
                    "calls), so libfiu had nothing to fail")
    assert s.alive(), "the server exited after accept failed\n" + s.stderr_block()
