"""KV-050, KV-054: pipelines, and clients that leave in the middle of one."""
import pytest

from kvclient import Conn, KvError, Simple, encode, encode_many, show
from osnet_harness.net import start_sender
from osnet_harness.timeouts import T


@pytest.mark.req("KV-050")
def test_thousands_of_commands_in_one_write(kv, key, report):
    n = 10000
    k, c = key("p"), key("counter")
    cmds, want = [], []
    for i in range(n):
        if i % 3 == 0:
            cmds.append(("SET", k, b"v%d" % i))
            want.append(Simple("OK"))
            last = b"v%d" % i
        elif i % 3 == 1:
            cmds.append(("GET", k))
            want.append(last)
        else:
            cmds.append(("INCR", c))
            want.append(i // 3 + 1)
    data = encode_many(cmds)
    report.repro(f"# {n} commands (SET / GET / INCR in turn) in one write:\n  "
                 f"python3 -c \"import sys; sys.stdout.write(''.join('PING\\r\\n' for _ in "
                 f"range({n})))\" | nc -q1 {kv.addr[0]} {kv.addr[1]} | sort | uniq -c")
    # Sent from another thread while this one reads: a server that answers
    # as it reads must not find us stuck in sendall.
    sender = start_sender(kv.sock, data)
    # T(60) for them all, but a server that stops answering while replies
    # are owed (it left requests in its buffer) is given up on after T(5)
    # without a byte, not after the whole minute.
    got = kv.read_replies(n, timeout=T(60), what=f"replies to {n} pipelined commands",
                          idle=T(5))
    sender.finish(T(10))
    assert sender.error is None, f"sending the pipeline failed: {sender.error}"
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise KvError(f"reply {i} of {n} (to {show(cmds[i])}) is {show(g)}, expected "
                          f"{show(w)}: replies missing, repeated or out of order")
    kv.expect(("PING",), Simple("PONG"), "after the pipeline, nothing more was owed")


def others_served(server, key, what):
    """A new client can still write and read, and the keys of the test
    are as expected."""
    with Conn(server.addr, name="another client") as o:
        k = key("witness")
        try:
            o.expect(("SET", k, "w"), Simple("OK"), what)
            o.expect(("GET", k), b"w", what)
        except (KvError, OSError) as e:
            dead = "" if server.alive() else " The server process is gone."
            raise KvError(f"{what}: another client is not served ({e}).{dead}\n"
                          + server.stderr_block()) from None


DONE = {"close": "closed", "reset": "reset"}


@pytest.mark.req("KV-054")
@pytest.mark.parametrize("how", ["close", "reset"])
def test_leave_in_the_middle_of_a_bulk(server, conns, key, how, report):
    k = key("half")
    c = conns(server.addr, name="client that leaves")
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1048576\r\n" % (len(k), k) + b"x" * 500000)
    assert conns(server.addr).call("PING") == Simple("PONG")
    c.reset() if how == "reset" else c.close()
    others_served(server, key, f"after a client {DONE[how]} its connection in the middle of a "
                               f"1 MiB bulk")
    with Conn(server.addr) as o:
        o.expect(("EXISTS", k), 0, "the SET whose bulk was cut off is not applied")


@pytest.mark.req("KV-054")
@pytest.mark.parametrize("how", ["close", "reset"])
def test_leave_in_the_middle_of_a_pipeline(server, conns, key, how, report):
    """A client pipelines GETs of a 64 KiB value without reading the replies
    (the server's writes to it block), ends its connection, and the server
    goes on serving the others."""
    k = key("value")
    setup = conns(server.addr, name="setup")
    setup.expect(("SET", k, b"v" * 65536), Simple("OK"))
    c = conns(server.addr, name="client that leaves", rcvbuf=4096)
    c.send_raw(encode("GET", k) * 500)   # 32 MiB of replies if all were answered
    other = conns(server.addr, name="other client")
    other.expect(("PING",), Simple("PONG"), "while a client pipelines GETs and reads nothing")
    c.reset() if how == "reset" else c.close()
    others_served(server, key, f"after a client that pipelined GETs without reading "
                               f"{DONE[how]} its connection")
    other.expect(("GET", k), b"v" * 65536, "an earlier client, after the other one left")
