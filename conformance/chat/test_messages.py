"""CHAT-006, CHAT-007, CHAT-010: messages, framing, over-long lines."""
import socket
import time

import pytest

from chat.chatclient import close_all, joined, repro_nc

# Every byte a message may hold: 0x01..0xFF but '\n' (the '\r' is inside).
ALL_BYTES = bytes(b for b in range(1, 256) if b != 0x0A)


@pytest.mark.req("CHAT-006")
@pytest.mark.parametrize("text", [b"hello world", ALL_BYTES, b"a\rb", b"  spaced  out ",
                                  b"x", b"caf\xc3\xa9 \xff\xfe not utf-8 \x80"],
                         ids=["plain", "all-bytes", "inner-cr", "spaces", "one-byte", "binary"])
def test_message_relayed_byte_for_byte(server, report, text):
    report.repro(repro_nc(server.addr, ["alice", text[:40]], ["bob"]))
    a, b, c = joined(server.addr, "alice", "bob", "carol")
    try:
        a.send(text)
        b.expect(b"MSG alice " + text, what=f"alice sent {len(text)} bytes of text")
        c.expect(b"MSG alice " + text, what=f"alice sent {len(text)} bytes of text")
        # Not sent back: the sender's next line answers its /who.
        a.send("/who")
        a.expect("WHO alice bob carol", what="the sender's next line: its own message must not "
                                             "come back to it")
        b.send("next")
        c.expect("MSG bob next", what="exactly once: the line after alice's message")
    finally:
        close_all([a, b, c])


@pytest.mark.req("CHAT-006")
def test_empty_line_and_unknown_command(server, report):
    report.repro(repro_nc(server.addr, ["alice", "", "/dance", "after"], ["bob"]))
    a, b = joined(server.addr, "alice", "bob")
    try:
        a.send(b"")
        a.send(b"/dance")
        a.expect("ERR unknown-command", what="after an empty line (ignored) and '/dance'")
        a.send(b"/WHO")
        a.expect("ERR unknown-command", what="'/WHO' (commands are lowercase)")
        a.send(b"after")
        b.expect("MSG alice after", what="the empty line and the unknown commands are not "
                                         "broadcast: the next line bob gets")
    finally:
        close_all([a, b])


def segments(c, pieces):
    """Send each piece in its own write (TCP_NODELAY: its own segment)."""
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for p in pieces:
        c.send_raw(p)


@pytest.mark.req("CHAT-007")
def test_line_a_byte_at_a_time(server, report):
    text = b"one byte at a time, handled once"
    report.repro(repro_nc(server.addr, ["alice", text], ["bob"]))
    a, b = joined(server.addr, "alice", "bob")
    try:
        data = text + b"\n"
        for i in range(len(data)):
            a.send_raw(data[i:i + 1])
            if i % 8 == 0:
                time.sleep(0.001)  # let bytes arrive apart, whatever the kernel does
        a.send(b"after")
        b.expect(b"MSG alice " + text, what="a line sent one byte per write")
        b.expect(b"MSG alice after", what="the line after it")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-007")
def test_lines_split_and_glued(server, report):
    a, b = joined(server.addr, "alice", "bob")
    try:
        # Split inside the nick-free text, inside '\r\n', and three lines glued.
        segments(a, [b"split he", b"re and th", b"ere\r", b"\nl1\nl2\r\nl3\n", b"tail",
                     b" end\n"])
        for want in (b"split here and there", b"l1", b"l2", b"l3", b"tail end"):
            b.expect(b"MSG alice " + want, what="lines split across writes, '\\r\\n' split "
                                                "between writes, three lines in one write")
        a.send("/who")
        a.expect("WHO alice bob")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-007")
def test_many_lines_in_one_segment(server, report):
    report.repro(repro_nc(server.addr, ["alice", "m0", "m1", "m2"], ["bob"]))
    a, b = joined(server.addr, "alice", "bob")
    try:
        lines = [b"m%d" % i for i in range(50)]
        a.send_raw(b"".join(l + (b"\r\n" if i % 2 else b"\n") for i, l in enumerate(lines)))
        for l in lines:
            b.expect(b"MSG alice " + l, what="50 lines (\\n and \\r\\n ends) in one write, "
                                             "handled one by one in order")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-007")
def test_crlf_join_and_commands(server, report):
    a, b = joined(server.addr, "alice", "bob")
    from chat.chatclient import Client
    c = Client(server.addr, name="client 'carol' (\\r\\n line ends)")
    try:
        c.send_raw(b"carol\r\n")
        c.expect("WELCOME carol", what="joining with a \\r\\n line end")
        a.expect("JOIN carol")
        b.expect("JOIN carol")
        c.send_raw(b"/who\r\n")
        c.expect("WHO alice bob carol", what="/who with a \\r\\n line end")
        c.send_raw(b"hi\r\r\n")
        a.expect(b"MSG carol hi\r", what="'hi\\r\\r\\n': only the last \\r belongs to the line end")
    finally:
        close_all([a, b, c])


@pytest.mark.req("CHAT-010")
@pytest.mark.parametrize("end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_1000_bytes_is_a_normal_line(server, report, end):
    a, b = joined(server.addr, "alice", "bob")
    try:
        text = (b"0123456789" * 100)
        a.send_raw(text + end)
        b.expect(b"MSG alice " + text, what="a line of exactly 1000 bytes")
        a.send("/who")
        a.expect("WHO alice bob", what="no ERR for a 1000-byte line")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-010")
@pytest.mark.parametrize("size", [1001, 1002, 4096, 300000])
def test_longer_line_refused(server, report, size):
    report.repro(f"(printf 'alice\\n'; head -c {size} /dev/zero | tr '\\0' x; printf '\\nafter\\n'; "
                 f"sleep 2) | nc {server.host} {server.port}")
    a, b = joined(server.addr, "alice", "bob")
    try:
        long_line = (b"abcdefghij" * (size // 10 + 1))[:size]
        a.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, size, 999):
            a.send_raw(long_line[i:i + 999])
        a.send_raw(b"\n")
        a.send("after")
        a.send("/who")
        a.expect("ERR line-too-long", what=f"a line of {size} bytes")
        a.expect("WHO alice bob", what="the next line after ERR line-too-long (once per line; the "
                                       "connection stays and later lines are handled)")
        b.expect(b"MSG alice after", what=f"nothing of the {size}-byte line is broadcast; the "
                                          "next line is")
    finally:
        close_all([a, b])


@pytest.mark.req("CHAT-010")
def test_two_long_lines_with_crlf(server, report):
    a, b = joined(server.addr, "alice", "bob")
    try:
        a.send_raw(b"y" * 1001 + b"\r\n" + b"z" * 5000 + b"\nok\n")
        a.expect("ERR line-too-long", what="first of two over-long lines")
        a.expect("ERR line-too-long", what="second of two over-long lines")
        b.expect(b"MSG alice ok", what="the line after two over-long ones")
    finally:
        close_all([a, b])
