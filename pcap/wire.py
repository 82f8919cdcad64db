"""Capture the loopback around a scenario and read back what the wire showed.

Capture: tcpdump on lo, started before the scenario and stopped with SIGINT
after the last expected packet is in the file (we poll the file for it: an
event, not a sleep). Verifier: dpkt reads the file and sorts each TCP
connection's segments by direction: handshake, payload bytes, FIN, RST.
For UDP it lists the datagrams between two ports (direction, payload size
and bytes) and whatever else (TCP) went between them.
"""
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import dpkt
import pytest

from osnet_harness.timeouts import T


class CaptureUnavailable(Exception):
    """tcpdump is missing or may not capture here (the test is skipped, saying why)."""


class Capture:
    """tcpdump -i lo on one port, written to `path` packet by packet.

    proto: "tcp", "udp", or "any" (every packet to or from the port: what a
    UDP test uses to see that no TCP went there either)."""

    def __init__(self, path, port, proto="tcp", peer_port=None):
        self.path, self.port, self.proto = str(path), port, proto
        self.peer_port = peer_port  # also require this port (one connection only)
        self.proc = None

    def __enter__(self):
        tcpdump = shutil.which("tcpdump") or "/usr/bin/tcpdump"
        if not os.path.exists(tcpdump):
            raise CaptureUnavailable("tcpdump is not installed (tools/install-deps installs it)")
        flt = f"port {self.port}" if self.proto == "any" else f"{self.proto} port {self.port}"
        if self.peer_port:
            flt += f" and port {self.peer_port}"
        # -s 0 would size every ring frame for a 256 KiB snapshot, so the
        # default 2 MiB kernel buffer would hold a handful of packets and a
        # burst on lo would lose some ("dropped by kernel"). A snapshot of
        # lo's 64 KiB MTU plus headers and a 32 MiB buffer (-B, in KiB) keep
        # every packet.
        cmd = [tcpdump, "-i", "lo", "-n", "-s", "65600", "-B", "32768", "--immediate-mode",
               "-U", "-w", self.path, flt]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        # tcpdump prints "listening on lo ..." once the capture is live.
        lines = []
        ready = threading.Event()

        def watch():
            for line in self.proc.stderr:
                lines.append(line)
                if "listening on" in line:
                    ready.set()
            ready.set()
        threading.Thread(target=watch, daemon=True).start()
        if not ready.wait(T(10)) or self.proc.poll() is not None:
            self.proc.kill()
            self.proc.wait()
            raise CaptureUnavailable("tcpdump could not capture on lo: " + "".join(lines).strip())
        self.stderr_lines = lines
        return self

    def packets(self):
        """Packets captured so far, as (timestamp, dpkt IP object)."""
        return read_packets(self.path)

    def wait_for(self, predicate, timeout=None, what="the expected packets"):
        """Poll the capture file until predicate(flows) is true."""
        deadline = time.monotonic() + (T(10) if timeout is None else timeout)
        while True:
            flows = tcp_flows(self.packets(), self.port)
            if predicate(flows):
                return flows
            if time.monotonic() > deadline:
                raise AssertionError(f"the capture never showed {what} within "
                                     f"{T(10) if timeout is None else timeout:.0f}s ({self.path})")
            time.sleep(0.02)

    def wait_packets(self, predicate, timeout=None, what="the expected packets"):
        """Poll the capture file until predicate(packets) is true; return the packets."""
        limit = T(10) if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            packets = self.packets()
            if predicate(packets):
                return packets
            if time.monotonic() > deadline:
                raise AssertionError(f"the capture never showed {what} within {limit:.0f}s "
                                     f"({self.path})")
            time.sleep(0.02)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(T(10))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


def start_capture(workdir, host, port, name, **kw):
    """A running Capture of `port` into <workdir>/<name>.pcap (kw: proto,
    peer_port), or a skip that says why there can be none: the capture is
    taken on the loopback interface, so a server on another address is not
    on it, and tcpdump may be missing or not allowed to capture."""
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        pytest.skip(f"the capture is taken on the loopback interface; {host} is not on it")
    try:
        return Capture(os.path.join(workdir, f"{name}.pcap"), port, **kw).__enter__()
    except CaptureUnavailable as e:
        pytest.skip(f"no capture possible: {e}")


def ended_flow(cap, client_port):
    """The TCP connection from client_port, once both its FINs are
    acknowledged or an RST went by."""
    def done(flows):
        f = [x for x in flows if x.client[1] == client_port]
        return f and (f[0].closed_by_both() or f[0].rsts())
    flows = cap.wait_for(done, what=f"the end of the connection from port {client_port} "
                                    f"(both FINs acknowledged, or an RST)")
    return next(x for x in flows if x.client[1] == client_port)


def read_packets(path):
    out = []
    try:
        with open(path, "rb") as f:
            try:
                reader = dpkt.pcap.Reader(f)
            except (ValueError, dpkt.dpkt.NeedData):
                return out
            link = reader.datalink()
            try:
                for ts, buf in reader:
                    ip = decode_ip(buf, link)
                    if ip is not None:
                        out.append((ts, ip))
            except dpkt.dpkt.NeedData:
                pass  # the last packet is still being written
    except FileNotFoundError:
        pass
    return out


def decode_ip(buf, link):
    if link == dpkt.pcap.DLT_EN10MB:
        eth = dpkt.ethernet.Ethernet(buf)
        return eth.data if isinstance(eth.data, (dpkt.ip.IP, dpkt.ip6.IP6)) else None
    if link == dpkt.pcap.DLT_LINUX_SLL:
        sll = dpkt.sll.SLL(buf)
        return sll.data if isinstance(sll.data, (dpkt.ip.IP, dpkt.ip6.IP6)) else None
    if link in (dpkt.pcap.DLT_RAW, 12, 101):
        v = buf[0] >> 4
        return dpkt.ip.IP(buf) if v == 4 else dpkt.ip6.IP6(buf)
    return None


def ip_str(ip, which):
    raw = getattr(ip, which)
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


FLAG_NAMES = [(dpkt.tcp.TH_SYN, "SYN"), (dpkt.tcp.TH_ACK, "ACK"), (dpkt.tcp.TH_FIN, "FIN"),
              (dpkt.tcp.TH_RST, "RST"), (dpkt.tcp.TH_PUSH, "PSH")]


def flag_str(flags):
    return ",".join(n for f, n in FLAG_NAMES if flags & f) or "-"


class Segment:
    def __init__(self, index, ts, src, dst, tcp):
        self.index, self.ts, self.src, self.dst = index, ts, src, dst
        self.flags, self.seq, self.ack = tcp.flags, tcp.seq, tcp.ack
        self.payload = bytes(tcp.data)

    def has(self, flag):
        return bool(self.flags & flag)

    def __repr__(self):
        return (f"#{self.index} {self.src[0]}:{self.src[1]} > {self.dst[0]}:{self.dst[1]} "
                f"[{flag_str(self.flags)}] seq={self.seq} len={len(self.payload)}")


class Flow:
    """One TCP connection seen on the wire: client = the side that sent SYN."""

    def __init__(self, client, server):
        self.client, self.server = client, server
        self.segments = []

    def from_client(self):
        return [s for s in self.segments if s.src == self.client]

    def from_server(self):
        return [s for s in self.segments if s.src == self.server]

    def payload(self, side):
        """Bytes one side sent, reassembled by sequence number (retransmissions once)."""
        segs = self.from_client() if side == "client" else self.from_server()
        syn = next((s for s in segs if s.has(dpkt.tcp.TH_SYN)), None)
        if syn is None:
            return b"".join(s.payload for s in segs)
        base = (syn.seq + 1) & 0xFFFFFFFF
        chunks = {}
        for s in segs:
            if s.payload:
                chunks.setdefault((s.seq - base) & 0xFFFFFFFF, s.payload)
        out = bytearray()
        for off in sorted(chunks):
            data = chunks[off]
            if off > len(out):
                break  # a gap: the capture lost a segment
            out += data[len(out) - off:]
        return bytes(out)

    def first(self, flag):
        return next((s for s in self.segments if s.has(flag)), None)

    def handshake(self):
        """The first three segments as (SYN, SYN-ACK, ACK) or None if not a handshake."""
        segs = self.segments
        if len(segs) < 3:
            return None
        a, b, c = segs[:3]
        ok = (a.src == self.client and a.has(dpkt.tcp.TH_SYN) and not a.has(dpkt.tcp.TH_ACK)
              and b.src == self.server and b.has(dpkt.tcp.TH_SYN) and b.has(dpkt.tcp.TH_ACK)
              and b.ack == (a.seq + 1) & 0xFFFFFFFF
              and c.src == self.client and c.has(dpkt.tcp.TH_ACK) and not c.has(dpkt.tcp.TH_SYN)
              and c.ack == (b.seq + 1) & 0xFFFFFFFF)
        return (a, b, c) if ok else None

    def fins(self):
        return [s for s in self.segments if s.has(dpkt.tcp.TH_FIN)]

    def rsts(self):
        return [s for s in self.segments if s.has(dpkt.tcp.TH_RST)]

    def closed_by_both(self):
        """Both FINs seen and the last one acknowledged."""
        fins = self.fins()
        sides = {f.src for f in fins}
        if len(sides) < 2:
            return False
        last = fins[-1]
        want = (last.seq + len(last.payload) + 1) & 0xFFFFFFFF
        return any(s.src == last.dst and s.has(dpkt.tcp.TH_ACK) and s.ack == want
                   for s in self.segments if s.index > last.index)

    def describe(self, limit=40):
        lines = [f"connection {self.client[0]}:{self.client[1]} -> {self.server[0]}:{self.server[1]}:"]
        for s in self.segments[:limit]:
            who = "client" if s.src == self.client else "server"
            lines.append(f"  #{s.index:<4} {who} [{flag_str(s.flags)}] len={len(s.payload)}")
        if len(self.segments) > limit:
            lines.append(f"  ... {len(self.segments) - limit} more")
        return "\n".join(lines)


def tcp_flows(packets, server_port):
    """Group TCP segments into connections to server_port, in capture order."""
    flows = {}
    for i, (ts, ip) in enumerate(packets, 1):
        tcp = ip.data
        if not isinstance(tcp, dpkt.tcp.TCP):
            continue
        src = (ip_str(ip, "src"), tcp.sport)
        dst = (ip_str(ip, "dst"), tcp.dport)
        if tcp.dport == server_port:
            key = (src, dst)
        elif tcp.sport == server_port:
            key = (dst, src)
        else:
            continue
        flow = flows.get(key)
        if flow is None:
            flow = flows[key] = Flow(key[0], key[1])
        flow.segments.append(Segment(i, ts, src, dst, tcp))
    return list(flows.values())


def time_wait_sockets(local_port=None, remote_port=None):
    """TIME_WAIT sockets as (local, remote) 'addr:port' strings, from ss."""
    out = subprocess.run(["ss", "-Htan", "state", "time-wait"], capture_output=True,
                         text=True, check=True).stdout
    res = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        local, remote = parts[-2], parts[-1]
        lp, rp = int(local.rsplit(":", 1)[1]), int(remote.rsplit(":", 1)[1])
        if (local_port is None or lp == local_port) and (remote_port is None or rp == remote_port):
            res.append((local, remote))
    return res


class Datagram:
    """One UDP datagram seen on the wire."""

    def __init__(self, index, ts, src, dst, udp):
        self.index, self.ts, self.src, self.dst = index, ts, src, dst
        self.payload = bytes(udp.data)

    def __repr__(self):
        return (f"#{self.index} {self.src[0]}:{self.src[1]} > {self.dst[0]}:{self.dst[1]} "
                f"UDP len={len(self.payload)}")


def _endpoints(ip, l4):
    return (ip_str(ip, "src"), l4.sport), (ip_str(ip, "dst"), l4.dport)


def udp_datagrams(packets, port):
    """UDP datagrams to or from `port`, in capture order (index = frame number)."""
    out = []
    for i, (ts, ip) in enumerate(packets, 1):
        udp = ip.data
        if isinstance(udp, dpkt.udp.UDP) and port in (udp.sport, udp.dport):
            src, dst = _endpoints(ip, udp)
            out.append(Datagram(i, ts, src, dst, udp))
    return out


def udp_between(packets, a, b):
    """UDP datagrams between endpoints a and b ((host, port) each), both ways."""
    return [d for d in udp_datagrams(packets, a[1]) if {d.src, d.dst} == {tuple(a), tuple(b)}]


def tcp_between_ports(packets, port_a, port_b):
    """TCP segments with port_a on one end and port_b on the other."""
    out = []
    for i, (ts, ip) in enumerate(packets, 1):
        tcp = ip.data
        if isinstance(tcp, dpkt.tcp.TCP) and {tcp.sport, tcp.dport} == {port_a, port_b}:
            src, dst = _endpoints(ip, tcp)
            out.append(Segment(i, ts, src, dst, tcp))
    return out


def non_udp(packets, port):
    """Every packet to or from `port` that is not UDP (TCP, or anything else
    the capture filter let through), as (frame number, description)."""
    out = []
    for i, (ts, ip) in enumerate(packets, 1):
        l4 = ip.data
        if isinstance(l4, dpkt.udp.UDP):
            continue
        if isinstance(l4, dpkt.tcp.TCP):
            if port in (l4.sport, l4.dport):
                src, dst = _endpoints(ip, l4)
                out.append((i, repr(Segment(i, ts, src, dst, l4))))
        else:
            out.append((i, f"#{i} IP protocol {ip.p if hasattr(ip, 'p') else '?'}"))
    return out


def describe_datagrams(datagrams, client, limit=40):
    """Lines like '#3 client -> server 100 bytes' for a failure message."""
    lines = []
    for d in datagrams[:limit]:
        way = "client -> server" if d.src == tuple(client) else "server -> client"
        lines.append(f"  #{d.index:<4} {way} {len(d.payload)} bytes")
    if len(datagrams) > limit:
        lines.append(f"  ... {len(datagrams) - limit} more")
    return "\n".join(lines) or "  (none)"
