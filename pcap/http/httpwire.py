"""What the wire shows of an HTTP/1.1 connection, read from a capture.

wire.py sorts a connection's segments (handshake, payload, FIN, RST); this
adds what HTTP needs on top: the responses the server's bytes contain (parsed
by conformance/http's client, so the wire is held to the same grammar as a
socket), where in each byte stream a FIN sits, and a listing of the
connection that names what each segment carried (a request line, a status
line, N body bytes) for failure messages and golden-capture comments.
"""
import dpkt

from osnet_harness.httpclient import Conn, HttpError

SYN, FIN, RST = dpkt.tcp.TH_SYN, dpkt.tcp.TH_FIN, dpkt.tcp.TH_RST


class _Replay:
    """A socket stand-in that hands httpclient.Conn bytes already captured."""

    def __init__(self, data):
        self.data = data

    def settimeout(self, t):
        pass

    def recv(self, n):
        out, self.data = self.data[:n], self.data[n:]
        return out

    def close(self):
        pass


def responses(flow, methods):
    """Parse the server's bytes as consecutive responses to requests with
    these methods. Returns (responses, error or None, bytes left over)."""
    c = Conn(None, sock=_Replay(flow.payload("server")))
    out = []
    for m in methods:
        try:
            out.append(c.read_response(m, timeout=1, idle=1))
        except HttpError as e:
            return out, f"response #{len(out) + 1}: {e}", b""
    left = bytes(c.buf) + c.sock.data
    return out, None, left


def syn_count(flow):
    """SYNs (without ACK) the client sent on this connection's port pair."""
    return sum(1 for s in flow.from_client() if s.has(SYN) and not s.has(dpkt.tcp.TH_ACK))


def stream_offset(flow, seg):
    """Byte offset in its sender's stream at which seg's FIN (or payload end) sits."""
    segs = flow.from_client() if seg.src == flow.client else flow.from_server()
    syn = next(s for s in segs if s.has(SYN))
    return (seg.seq + len(seg.payload) - syn.seq - 1) & 0xFFFFFFFF


def what(seg):
    """A short description of what one segment carries, for listings."""
    p = seg.payload
    if not p:
        return ""
    first = p.split(b"\r\n", 1)[0]
    starts = sum(1 for line in p.split(b"\r\n") if line.startswith(b"HTTP/1.1 "))
    if first.startswith(b"HTTP/"):
        text = repr(first.decode("latin-1"))
        return text + (f" (+{starts - 1} more responses)" if starts > 1 else "")
    reqs = [l for l in p.split(b"\r\n") if l.split(b" ", 1)[0] in (b"GET", b"HEAD", b"POST")
            and b" HTTP/" in l]
    if reqs:
        text = repr(reqs[0].decode("latin-1"))
        return text + (f" (+{len(reqs) - 1} more requests in this segment)" if len(reqs) > 1
                       else "")
    return "body/continuation bytes"


def listing(flow, limit=60):
    """The connection segment by segment, naming what each carried."""
    side = {flow.client: "client", flow.server: "server"}
    lines = [f"connection {flow.client[0]}:{flow.client[1]} -> "
             f"{flow.server[0]}:{flow.server[1]}:"]
    for s in flow.segments[:limit]:
        flags = ",".join(n for f, n in ((SYN, "SYN"), (dpkt.tcp.TH_ACK, "ACK"), (FIN, "FIN"),
                                        (RST, "RST")) if s.flags & f)
        w = what(s)
        lines.append(f"  #{s.index:<4} {side[s.src]:6} [{flags}] len={len(s.payload)}"
                     + (f"  {w}" if w else ""))
    if len(flow.segments) > limit:
        lines.append(f"  ... {len(flow.segments) - limit} more")
    return "\n".join(lines)
