"""What the bench scripts share: the machine line of a report, and wrk.

Imported by bench/*.py after `sys.path.insert(0, <bench dir>)`."""
import os
import platform
import re
import subprocess

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def machine():
    """'2 cores (Intel(R) Xeon(R) ...), Linux 6.1.0': where a figure was measured."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}"


def wrk(port, path, seconds, conns, threads, host="127.0.0.1"):
    """One wrk run with keep-alive connections: {"rps", "p99_ms", "errors"}.
    Raises RuntimeError when wrk's output cannot be read or any response was
    not 2xx/3xx (a benchmark of errors measures nothing)."""
    cmd = ["wrk", "--latency", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
           f"http://{host}:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 30).stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errs = re.search(r"Socket errors:.*", out)
    if not rps or not p99:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    if bad:
        raise RuntimeError(f"{bad.group(1)} non-2xx responses from {path}:\n{out}")
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)],
            "errors": errs.group(0) if errs else ""}
