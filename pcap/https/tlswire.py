"""TLS on the wire: the records each side of a captured TCP connection sent,
and in which segment (frame) each record starts. Used by the pcap test
(HTTPS-014) and by make_golden.py to annotate the https captures."""
import dpkt

from https.tlsclient import (ALERT, APPLICATION_DATA, CHANGE_CIPHER_SPEC, CLIENT_HELLO,
                             HANDSHAKE, RECORD_TYPES, SERVER_HELLO, parse_records)

HANDSHAKE_NAMES = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket",
                   8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange",
                   13: "CertificateRequest", 14: "ServerHelloDone", 15: "CertificateVerify",
                   16: "ClientKeyExchange", 20: "Finished"}


class Record:
    def __init__(self, side, offset, ctype, version, payload, frame):
        self.side, self.offset, self.ctype, self.version = side, offset, ctype, version
        self.payload, self.frame = payload, frame

    @property
    def name(self):
        return RECORD_TYPES.get(self.ctype, str(self.ctype))

    def __repr__(self):
        return (f"#{self.frame} {self.side} {self.name} v{self.version:#06x} "
                f"len={len(self.payload)}")


def stream_offsets(flow, side):
    """[(stream offset, segment)] for the segments with payload one side sent."""
    segs = flow.from_client() if side == "client" else flow.from_server()
    syn = next((s for s in segs if s.has(dpkt.tcp.TH_SYN)), None)
    base = (syn.seq + 1) & 0xFFFFFFFF if syn else (segs[0].seq if segs else 0)
    return [((s.seq - base) & 0xFFFFFFFF, s) for s in segs if s.payload]


def records(flow, side):
    """(records one side sent, bytes left over, parse error or None)."""
    data = flow.payload(side)
    recs, rest, err = parse_records(data)
    offsets = stream_offsets(flow, side)
    out, off = [], 0
    for ctype, ver, payload in recs:
        frame = next((s.index for o, s in offsets if o <= off < o + len(s.payload)), None)
        out.append(Record(side, off, ctype, ver, payload, frame))
        off += 5 + len(payload)
    return out, rest, err


def describe(recs, limit=30):
    lines = [f"  {r!r}" + (f" {HANDSHAKE_NAMES.get(r.payload[0], r.payload[0])}"
                           if r.ctype == HANDSHAKE and r.payload and r.offset < 4096 else "")
             for r in recs[:limit]]
    if len(recs) > limit:
        lines.append(f"  ... {len(recs) - limit} more")
    return "\n".join(lines) or "  (none)"


def is_hello(rec, htype):
    return rec.ctype == HANDSHAKE and rec.payload[:1] == bytes([htype])


__all__ = ["ALERT", "APPLICATION_DATA", "CHANGE_CIPHER_SPEC", "CLIENT_HELLO", "HANDSHAKE",
           "SERVER_HELLO", "HANDSHAKE_NAMES", "Record", "records", "describe", "is_hello"]
