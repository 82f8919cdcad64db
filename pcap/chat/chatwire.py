"""A capture for the chat tests: wire.Capture with a bigger kernel buffer.

wire.Capture runs `tcpdump -s 0 --immediate-mode`: libpcap then sizes each
ring frame for a whole 256 KiB snapshot, so its default 2 MiB buffer holds
only a handful of packets, and a burst of ten segments on lo (a join, a
close) loses some ("N packets dropped by kernel"); the FIN the test waits
for may be among them. Same capture with -B (buffer in KiB) and a snapshot
of 64 KiB + headers (lo's MTU); reported to the owner of wire.py.
"""
import os
import shutil
import subprocess
import threading

from osnet_harness.timeouts import T
from wire import Capture, CaptureUnavailable


class ChatCapture(Capture):
    """tcpdump -i lo on `port` (and `client_port` if given), big buffer."""

    def __init__(self, path, port, client_port=None):
        super().__init__(path, port)
        self.client_port = client_port

    def __enter__(self):
        tcpdump = shutil.which("tcpdump") or "/usr/bin/tcpdump"
        if not os.path.exists(tcpdump):
            raise CaptureUnavailable("tcpdump is not installed (tools/install-deps installs it)")
        flt = f"tcp port {self.port}"
        if self.client_port:
            flt += f" and tcp port {self.client_port}"
        cmd = [tcpdump, "-i", "lo", "-n", "-s", "65600", "-B", "32768", "--immediate-mode",
               "-U", "-w", self.path, flt]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
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
