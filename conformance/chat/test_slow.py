"""CHAT-013, CHAT-014: a client that stops reading."""
import threading

import pytest

from chat.chatclient import Client, close_all, gather, joined
from osnet_harness.timeouts import T

LINE = b"y" * 1000
LINE_BYTES = 1001  # 1000 bytes of text (the most a line may hold) and '\n'


WINDOW = 64  # lines the pusher may be ahead of the reader


class Flood(threading.Thread):
    """Sends numbered 1000-byte message lines until `total` bytes or stop(),
    never more than WINDOW lines ahead of what the reader has read (received()),
    so a reader that does read is never the one that falls behind."""

    def __init__(self, client, total, batch=16):
        super().__init__(daemon=True)
        self.c, self.total, self.batch = client, total, batch
        self.sent_lines = 0
        self.read_lines = 0
        self.cond = threading.Condition()
        self.stopped = threading.Event()
        self.error = None

    def received(self, line):
        """The reader got `line`; if it is one of ours, the reader has read
        up to it. Idempotent: gather() may show the same last line twice."""
        if not line.startswith(b"MSG pusher "):
            return
        try:
            upto = int(line[11:19]) + 1
        except ValueError:
            return
        with self.cond:
            if upto > self.read_lines:
                self.read_lines = upto
                self.cond.notify()

    def line(self, i):
        return b"%08d " % i + LINE[:1000 - 9]

    def run(self):
        n = -(-self.total // LINE_BYTES)
        try:
            for i in range(0, n, self.batch):
                with self.cond:
                    while self.sent_lines - self.read_lines > WINDOW - self.batch:
                        if self.stopped.is_set():
                            return
                        self.cond.wait(0.2)
                if self.stopped.is_set():
                    return
                k = min(self.batch, n - i)
                self.c.send_raw(b"".join(self.line(j) + b"\n" for j in range(i, i + k)))
                self.sent_lines = i + k
        except OSError as e:
            self.error = e

    def stop(self):
        self.stopped.set()
        with self.cond:
            self.cond.notify()
        self.join(T(30))


def stuck_client(server, rcvbuf=4096):
    s = Client(server.addr, name="client 'stuck' (never reads, 4 KiB receive buffer)",
               rcvbuf=rcvbuf).join("stuck")
    return s


@pytest.mark.req("CHAT-013")
def test_stuck_client_does_not_delay_others(server, report):
    total = 8 << 20
    p, r = joined(server.addr, "pusher", "reader")
    stuck = stuck_client(server)
    p.expect("JOIN stuck")
    r.expect("JOIN stuck")
    flood = Flood(p, total)
    before = len(r.got)
    try:
        flood.start()
        n = -(-total // LINE_BYTES)
        last = b"MSG pusher " + flood.line(n - 1)
        def done(c):
            if c.got:
                flood.received(c.got[-1])
            return bool(c.got) and c.got[-1] == last
        bad = gather([r], done, timeout=T(90))
        msgs = [l for l in r.got if l.startswith(b"MSG pusher ")]
        if bad:
            raise AssertionError(
                f"while 'stuck' read nothing, 'reader' got only {len(msgs)} of the {n} messages "
                f"'pusher' sent ({flood.sent_lines} written so far; "
                f"then {r.eof or 'nothing for a while'}): the server waits for the client that "
                f"does not read\n" + server.stderr_block())
        want = [b"MSG pusher " + flood.line(i) for i in range(n)]
        if msgs != want:
            i = next((i for i, (x, y) in enumerate(zip(msgs, want)) if x != y), min(len(msgs), n))
            raise AssertionError(f"'reader' got the messages of 'pusher' out of order or with gaps "
                                 f"while 'stuck' read nothing: message {i} is "
                                 f"{msgs[i][:30] if i < len(msgs) else None!r}, expected "
                                 f"{want[i][:30]!r}")
        others = [l for l in r.got[before:] if not l.startswith(b"MSG pusher ")]
        assert all(l == b"LEAVE stuck slow" for l in others), f"unexpected lines: {others[:3]}"
    finally:
        flood.stop()
        close_all([p, r, stuck])


@pytest.mark.req("CHAT-014")
def test_stuck_client_is_kicked(server, report):
    total = 64 << 20
    p, r = joined(server.addr, "pusher", "reader")
    stuck = stuck_client(server)
    p.expect("JOIN stuck")
    r.expect("JOIN stuck")
    flood = Flood(p, total)
    n = -(-total // LINE_BYTES)
    last = b"MSG pusher " + flood.line(n - 1)
    try:
        flood.start()

        def done(c):
            # Look at new lines only (c.got grows; keep it small).
            if c.got and (c.got[-1] == b"LEAVE stuck slow" or c.got[-1] == last):
                return True
            if c.got:
                flood.received(c.got[-1])
            if len(c.got) > 4096:
                del c.got[:-16]
            return False
        bad = gather([r], done, timeout=T(180))
        flood.stop()
        if bad or r.got[-1] != b"LEAVE stuck slow":
            raise AssertionError(
                f"a client that reads nothing (4 KiB receive buffer) was not disconnected: "
                f"'reader' saw no 'LEAVE stuck slow' after {flood.sent_lines} messages of 1000 bytes "
                f"({flood.sent_lines * LINE_BYTES / (1 << 20):.0f} MiB) were broadcast"
                + (f" (then {r.eof or 'nothing more'})" if bad else "")
                + ": the server queues output for it without bound\n" + server.stderr_block())
        # Its connection is closed: what was sent before it ends, then end-of-file.
        rest, why = stuck.wait_eof(T(30))
        assert why == "eof", (f"'stuck' was announced as kicked, but its connection did not end: "
                              f"it read {len(rest)} lines then {why!r}")
    finally:
        flood.stop()
        close_all([p, r, stuck])
