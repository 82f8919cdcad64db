"""CHAT-001..005: listening, joining, nick rules, /nick, /who."""
import pytest

from chat.chatclient import Client, close_all, joined, repro_nc

INVALID = [b"", b"a" * 17, b"1abc", b"_abc", b"-abc", b"ab c", b"ab.c", b"ab\xc3\xa9",
           b"ab!", b" abc", b"a\tb"]


@pytest.mark.req("CHAT-001")
def test_two_instances_on_two_ports(launcher, report):
    a = launcher.start()
    b = launcher.start()
    assert a.port != b.port
    for s in (a, b):
        report.repro(repro_nc(s.addr, ["alice"]))
        c = Client(s.addr, name=f"client of the instance on port {s.port}")
        try:
            c.join("alice")
        finally:
            c.close()


@pytest.mark.req("CHAT-002")
def test_welcome_and_join_notice(server, report):
    report.repro(repro_nc(server.addr, ["alice"], ["bob"]))
    a, b = joined(server.addr, "alice", "bob")
    c = Client(server.addr, name="client 'carol'").join("carol")
    try:
        a.expect("JOIN carol", what="carol joined after alice")
        b.expect("JOIN carol", what="carol joined after bob")
        # The joiner itself gets WELCOME only: its next line answers /who.
        c.send("/who")
        c.expect("WHO alice bob carol", what="the joiner's next line after WELCOME (no JOIN of itself)")
    finally:
        close_all([a, b, c])


@pytest.mark.req("CHAT-002")
def test_unjoined_client_gets_no_broadcasts(server, report):
    report.repro(repro_nc(server.addr, ["alice", "hello"], []))
    lurker = Client(server.addr, name="unjoined client")
    a, b = joined(server.addr, "alice", "bob")
    try:
        a.send("hello before you joined")
        b.expect("MSG alice hello before you joined")
        c = Client(server.addr, name="client 'carol'")
        a.send("/nick alice2")
        a.expect("NICK alice alice2")
        b.expect("NICK alice alice2")
        # Its first line must be WELCOME: no JOIN, MSG or NICK seen while unjoined.
        lurker.join("lurker", what="a client that stayed unjoined while others chatted")
        c.join("carol")
        lurker.expect("JOIN carol", what="the first broadcast after joining")
        c.close()
    finally:
        close_all([lurker, a, b])


@pytest.mark.req("CHAT-003")
def test_nick_taken_ignoring_case(server, report):
    report.repro(repro_nc(server.addr, ["alice"], ["ALICE"]))
    (a,) = joined(server.addr, "alice")
    b = Client(server.addr, name="second client")
    try:
        for nick in ("alice", "ALICE", "Alice", "aLiCe"):
            b.send(nick)
            b.expect("ERR nick-taken", what=f"joining as {nick!r} while 'alice' is joined")
        b.join("bob", what="trying again with a free nick")
        a.expect("JOIN bob", what="the first line alice gets (the refused attempts are not heard)")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-003")
def test_nick_invalid(server, report):
    report.repro(repro_nc(server.addr, ["1abc", "alice"]))
    (a,) = joined(server.addr, "watcher")
    b = Client(server.addr, name="new client")
    try:
        for nick in INVALID:
            b.send(nick)
            b.expect("ERR nick-invalid", what=f"joining with the invalid nick {nick!r}")
        b.join("Z" + "9_-" * 5, what="a valid 16-byte nick after refusals")
        a.expect("JOIN Z9_-9_-9_-9_-9_-", what="the first line the watcher gets")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-004")
def test_nick_change(server, report):
    report.repro(repro_nc(server.addr, ["alice", "/nick alicia", "hi"], ["bob"]))
    a, b, c = joined(server.addr, "alice", "bob", "carol")
    try:
        a.send("/nick alicia")
        for x in (a, b, c):
            x.expect("NICK alice alicia", what="alice renamed herself alicia (every joined client, "
                                                "the renamed one too)")
        a.send("hi")
        b.expect("MSG alicia hi", what="a message after the rename carries the new nick")
        c.expect("MSG alicia hi", what="a message after the rename carries the new nick")
        b.send("/nick CAROL")
        b.expect("ERR nick-taken", what="/nick to a nick another client uses, ignoring case")
        b.send("/nick 9lives")
        b.expect("ERR nick-invalid", what="/nick to an invalid nick")
        b.send("still bob")
        a.expect("MSG bob still bob", what="refused renames change nothing and are not broadcast")
        c.expect("MSG bob still bob", what="refused renames change nothing and are not broadcast")
        # The released nick can be taken by someone else.
        d = Client(server.addr, name="client 'alice' (released nick)").join("alice")
        for x in (a, b, c):
            x.expect("JOIN alice")
        c.send("/quit")
        c.expect("BYE")
        for x in (a, b, d):
            x.expect("LEAVE carol quit")
        d.send("/nick Carol")
        for x in (a, b, d):
            x.expect("NICK alice Carol", what="renaming to a nick released by a leave")
        d.close()
    finally:
        close_all([a, b, c])


@pytest.mark.req("CHAT-005")
def test_who_sorted_to_asker_only(server, report):
    report.repro(repro_nc(server.addr, ["zed"], ["amy", "/who"]))
    lurker = Client(server.addr, name="unjoined client")
    cs = joined(server.addr, "zed", "amy", "Bob", "bob2", "Y")
    try:
        cs[1].send("/who")
        cs[1].expect("WHO Bob Y amy bob2 zed", what="/who from amy: every joined nick, sorted by "
                                                   "byte value (uppercase first), unjoined ones not")
        cs[2].send("/who")
        cs[2].expect("WHO Bob Y amy bob2 zed", what="/who from Bob")
        cs[0].send("sentinel")
        for x in cs[1:]:
            x.expect("MSG zed sentinel", what="the next line for a client that did not ask /who "
                                              "(the WHO answer goes to the asker alone)")
    finally:
        close_all(cs + [lurker])
