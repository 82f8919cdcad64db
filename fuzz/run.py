#!/usr/bin/python3
"""Runs the libFuzzer harnesses one after the other within one time budget
(`make fuzz`), then prints a table: executions, coverage at the start and at
the end, inputs added, and whether the harness found a crash.

One at a time rather than all at once: the machine is shared, and a budget
split evenly gives every parser the same share whatever else runs. Each
harness gets its seeds (fuzz/corpus/<name>), its regressions and what earlier
runs found ($(BUILD)/fuzz/corpus-<name>, where new inputs go), and its
dictionary. A crash ends that harness (libFuzzer stops at the first) but not
the run; the exit status is 1 if any harness crashed.

Usage: fuzz/run.py --build DIR --seconds TOTAL NAME...
"""

import argparse
import os
import re
import subprocess
import sys
import time


def run_one(name, build, seconds):
    """Fuzzes one harness for `seconds`; returns its row of the table."""
    out = os.path.join(build, "fuzz", "corpus-" + name)
    os.makedirs(out, exist_ok=True)
    log_path = os.path.join(build, "fuzz", name + ".log")
    cmd = [os.path.join(build, "fuzz", name + "_fuzz"),
           f"-max_total_time={seconds}", "-print_final_stats=1",
           # One input taking this long is a hang, not a slow machine.
           "-timeout=25",
           f"-artifact_prefix={os.path.join(build, 'fuzz', name)}-"]
    if os.path.exists(f"fuzz/{name}.dict"):
        cmd.append(f"-dict=fuzz/{name}.dict")
    cmd += [out, f"fuzz/corpus/{name}"]
    if os.path.isdir(f"fuzz/regressions/{name}"):
        cmd.append(f"fuzz/regressions/{name}")
    print(f"fuzz: {name} for {seconds} s (log: {log_path})", flush=True)
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    took = time.monotonic() - t0
    with open(log_path, errors="replace") as f:
        text = f.read()
    return parse(name, text, rc, took)


def parse(name, text, rc, took):
    """The numbers of a libFuzzer log: the coverage (cov:) when the seeds
    were loaded (INITED) and at the end, executions and new inputs from the
    final stats, and the crash artifact if one was written."""
    def last_int(pattern, default=0):
        found = re.findall(pattern, text, re.M)
        return int(found[-1]) if found else default

    start = last_int(r"^#\d+\s+INITED cov: (\d+)")
    cov = re.findall(r"^#\d+\s+\w+\s+cov: (\d+)", text, re.M)
    end = int(cov[-1]) if cov else start
    execs = last_int(r"^stat::number_of_executed_units:\s+(\d+)")
    added = last_int(r"^stat::new_units_added:\s+(\d+)")
    crash = re.search(r"Test unit written to (\S+)", text)
    if crash:
        result = "CRASH " + crash.group(1)
    elif rc != 0:
        result = f"FAILED (exit status {rc})"
    else:
        result = "ok"
    return {"name": name, "seconds": took, "execs": execs, "start": start, "end": end,
            "added": added, "result": result}


def table(rows):
    """The table, one line per parser and a total."""
    lines = [f"{'parser':<14} {'seconds':>7} {'execs':>10} {'execs/s':>8} "
             f"{'cov start':>9} {'cov end':>8} {'new cov':>7} {'new inputs':>10}  result"]
    for r in rows:
        rate = r["execs"] / r["seconds"] if r["seconds"] > 0 else 0
        lines.append(f"{r['name']:<14} {r['seconds']:>7.0f} {r['execs']:>10} {rate:>8.0f} "
                     f"{r['start']:>9} {r['end']:>8} {r['end'] - r['start']:>+7} "
                     f"{r['added']:>10}  {r['result']}")
    total = sum(r["execs"] for r in rows)
    lines.append(f"{'total':<14} {sum(r['seconds'] for r in rows):>7.0f} {total:>10}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=600, help="total budget")
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    # Each harness gets an even share of what is left: libFuzzer looks at
    # -max_total_time only once its corpus is loaded, so a harness whose
    # corpus loads slowly overruns, and takes from the ones after it rather
    # than from the budget. At least 10 s each, to be worth starting.
    rows = []
    t0 = time.monotonic()
    for i, name in enumerate(args.names):
        left = args.seconds - (time.monotonic() - t0)
        rows.append(run_one(name, args.build, max(10, int(left / (len(args.names) - i)))))
    print(table(rows))
    return 1 if any(r["result"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
