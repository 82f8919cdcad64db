"""A lossy UDP relay for tests: a bad network between a client and a server.

    with UdpRelay(server.addr, seed=7, **GUESS_011) as relay:
        run_client(relay.addr)          # the client talks to the relay
    print(relay.stats)                  # what the relay did to the traffic

The relay listens on a port of its own. Each client address (host, port) gets
its own upstream socket, connected to the server, so the server sees one
distinct source port per client, as it would without the relay; replies
coming back on that socket go to that client. In each direction every
datagram may be, independently:

- dropped (probability `drop`);
- duplicated (`duplicate`: a second copy is sent, with its own delay);
- delayed (`delay`: held for a uniform 0..`max_delay` seconds);
- reordered (`reorder`: held back until 1..`window`-1 later datagrams of the
  same direction have passed it, or `max_delay` plus a little has elapsed, so
  a lone datagram is never stuck).

Every random choice comes from one random.Random(seed), drawn in the order
the datagrams arrive, so a run with the same seed and the same arrival order
makes the same choices (timing may still change the arrival order of
concurrent clients; one client at a time is fully reproducible).

The relay runs in a thread started by __enter__ and stopped by __exit__
(the thread is woken through a socketpair, joined, and every socket closed).
It never raises into the test: errors sending (an ICMP port unreachable from
a client that left) are counted in stats["send_errors"].
"""
import heapq
import itertools
import random
import selectors
import socket
import threading
import time


# GUESS-011 (specs/guess.md): 20% of datagrams dropped, 20% duplicated,
# reordering within a window of 4, delays up to 50 ms.
GUESS_011 = dict(drop=0.2, duplicate=0.2, reorder=0.2, window=4, delay=0.5, max_delay=0.05)

UP, DOWN = "up", "down"  # client -> server, server -> client
BUF = 1 << 21


class UdpRelay:
    def __init__(self, target, seed, drop=0.0, duplicate=0.0, reorder=0.0, window=4,
                 delay=0.0, max_delay=0.05, host="127.0.0.1", port=None, directions=(UP, DOWN)):
        """target: the server's (host, port). Probabilities are per datagram,
        applied in the directions listed (default both)."""
        if window < 2 and reorder:
            raise ValueError("reordering needs a window of at least 2")
        self.target = tuple(target)
        self.seed = seed
        self.rng = random.Random(seed)
        self.p = dict(drop=drop, duplicate=duplicate, reorder=reorder, delay=delay)
        self.window, self.max_delay = window, max_delay
        self.directions = set(directions)
        self.host = host
        self.port = port
        self.stats = {f"{what}_{d}": 0 for d in (UP, DOWN)
                      for what in ("received", "sent", "dropped", "duplicated", "delayed",
                                   "reordered")}
        self.stats["send_errors"] = 0
        self.stats["clients"] = 0
        self._lock = threading.Lock()
        self._timers = []           # heap of (when, n, sock, data, dest, direction)
        self._held = {UP: [], DOWN: []}  # [remaining overtakes, deadline, n, sock, data, dest]
        self._n = itertools.count()
        self._clients = {}          # client addr -> upstream socket
        self._upstream = {}         # upstream fd -> client addr
        self._thread = None
        self._stop = False

    @property
    def addr(self):
        return (self.host, self.port)

    # ---- lifecycle --------------------------------------------------------------

    def __enter__(self):
        self.sel = selectors.DefaultSelector()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUF)
        # Port 0 lets the kernel pick a free port at bind time: picking one
        # first and binding it later races with parallel tests.
        self.sock.bind((self.host, 0 if self.port is None else self.port))
        self.port = self.sock.getsockname()[1]
        self.sock.setblocking(False)
        self.sel.register(self.sock, selectors.EVENT_READ, None)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self.sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._run, name=f"udprelay:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._thread is None:
            return
        self._stop = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._thread.join(10)
        for s in [self.sock, self._wake_r, self._wake_w, *self._clients.values()]:
            try:
                s.close()
            except OSError:
                pass
        self.sel.close()
        self._thread = None

    def summary(self):
        """One line saying what the relay did, for failure messages."""
        s = self.stats
        return (f"relay seed {self.seed}: {s['clients']} client(s); client->server "
                f"{s['received_up']} received, {s['dropped_up']} dropped, {s['duplicated_up']} "
                f"duplicated, {s['reordered_up']} reordered, {s['delayed_up']} delayed; "
                f"server->client {s['received_down']} received, {s['dropped_down']} dropped, "
                f"{s['duplicated_down']} duplicated, {s['reordered_down']} reordered, "
                f"{s['delayed_down']} delayed")

    # ---- the loop ---------------------------------------------------------------

    def _upstream_for(self, client):
        up = self._clients.get(client)
        if up is None:
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUF)
            up.bind((self.host, 0))
            up.connect(self.target)
            up.setblocking(False)
            self._clients[client] = up
            self._upstream[up.fileno()] = client
            self.sel.register(up, selectors.EVENT_READ, client)
            self.stats["clients"] += 1
        return up

    def _run(self):
        while not self._stop:
            now = time.monotonic()
            wait = 0.5
            if self._timers:
                wait = min(wait, max(0.0, self._timers[0][0] - now))
            for held in self._held.values():
                for h in held:
                    wait = min(wait, max(0.0, h[1] - now))
            for key, _ in self.sel.select(wait):
                if key.data == "wake":
                    try:
                        self._wake_r.recv(64)
                    except OSError:
                        pass
                    continue
                self._drain(key)
            self._due(time.monotonic())

    def _drain(self, key):
        sock = key.fileobj
        for _ in range(256):
            try:
                if key.data is None:
                    data, client = sock.recvfrom(65536)
                    out, dest, direction = self._upstream_for(client), None, UP
                else:
                    data = sock.recv(65536)
                    out, dest, direction = self.sock, key.data, DOWN
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # ECONNREFUSED on an upstream socket: the server was not
                # there for an earlier datagram. Nothing to relay.
                continue
            self._arrive(direction, data, out, dest)

    def _arrive(self, direction, data, out, dest):
        st, rng = self.stats, self.rng
        with self._lock:
            st[f"received_{direction}"] += 1
        active = direction in self.directions
        if active and rng.random() < self.p["drop"]:
            with self._lock:
                st[f"dropped_{direction}"] += 1
            return
        copies = 1
        if active and rng.random() < self.p["duplicate"]:
            copies = 2
            with self._lock:
                st[f"duplicated_{direction}"] += 1
        now = time.monotonic()
        for _ in range(copies):
            n = next(self._n)
            if active and rng.random() < self.p["reorder"]:
                overtakes = rng.randint(1, self.window - 1)
                deadline = now + self.max_delay + 0.02
                self._held[direction].append([overtakes, deadline, n, out, data, dest])
                with self._lock:
                    st[f"reordered_{direction}"] += 1
                continue
            if active and rng.random() < self.p["delay"]:
                when = now + rng.uniform(0, self.max_delay)
                heapq.heappush(self._timers, (when, n, out, data, dest, direction))
                with self._lock:
                    st[f"delayed_{direction}"] += 1
                continue
            self._send(direction, out, data, dest)

    def _send(self, direction, out, data, dest):
        try:
            if dest is None:
                out.send(data)
            else:
                out.sendto(data, dest)
            with self._lock:
                self.stats[f"sent_{direction}"] += 1
        except OSError:
            with self._lock:
                self.stats["send_errors"] += 1
        # Whatever was held back in this direction has now been overtaken once more.
        held = self._held[direction]
        if held:
            ready = []
            for h in held:
                h[0] -= 1
                if h[0] <= 0:
                    ready.append(h)
            for h in ready:
                held.remove(h)
            for h in ready:
                self._send(direction, h[3], h[4], h[5])

    def _due(self, now):
        while self._timers and self._timers[0][0] <= now:
            _, _, out, data, dest, direction = heapq.heappop(self._timers)
            self._send(direction, out, data, dest)
        for direction, held in self._held.items():
            late = [h for h in held if h[1] <= now]
            for h in late:
                held.remove(h)
            for h in late:
                self._send(direction, h[3], h[4], h[5])
