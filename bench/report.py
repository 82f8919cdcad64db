#!/usr/bin/python3
"""Turns the results of one `make bench` run (bench/run.py's JSON) into
bench/REPORT.md and its figures, bench/plots/<id>.png and .svg. Measures
nothing.

  bench/report.py [results.json] [--out bench/REPORT.md]

The results file defaults to bench/results/latest.json; the figures go to
a folder plots/ next to the report. bench/run.py calls write(results,
out_md_path) after a run.

What the report holds, in order: how the run was made (budget, time,
machine, load, git revision, versions); the six headline ratios; every
pair (each contender's median and the min-max of its rounds, the ratio ours
÷ theirs of the medians with the min-max of the per-round ratios, the
extra metrics); the scaling curves, each drawn by gnuplot with its panels
stacked over one x axis, with the tables that belong to it (ids starting
with the curve's id); the tuning tables and their conclusions; the system
experiments (fork against thread, the memory mountain and its 3-D
surface); and what was skipped or failed, with why. Records or experiments
that are missing (a partial or --only run) leave their place empty or say
"not in this run"; nothing is invented.

Figures: one per "curve" record, gnuplot's pngcairo and svg terminals,
900 pixels wide and about 450 high per panel; log axes where the record
asks; a series keeps its colour in every panel of a figure (its name minus
a trailing p50/p99/... picks the colour, that suffix the dash pattern); a
missing point (null) is left out, and on a log axis so is a value that is
not above zero (the report says how many). A curve record may also carry
"xformat": "bytes" (tics labelled 4K, 1M ...), "marks": [{"x", "label"}]
(dashed vertical lines, e.g. cache sizes) and "surface": {"sizes",
"strides", "mbps"} (the memory mountain, drawn as <id>-3d.png/.svg).
Without gnuplot the report is still written, saying the figures are
missing.
"""
import argparse
import datetime
import json
import math
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time

BENCH = pathlib.Path(__file__).resolve().parent

# The six headline ratios, in the order of the report: (label, id).
HEADLINES = [("http/nginx", "pairs.http-nginx"), ("proxy/haproxy", "pairs.proxy-haproxy"),
             ("kv/redis-server", "pairs.kv-redis"), ("grep/GNU grep", "pairs.grep-gnu"),
             ("mempool/malloc", "pairs.mempool-malloc"), ("uring/epoll", "pairs.echo-servers")]

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22"]
POINTS = [7, 5, 9, 11, 13, 15, 4, 6, 8, 10]
# A trailing word that names a statistic of the same series: "http p99" is
# drawn in http's colour, dashed.
SUFFIX = re.compile(r"^(.*\S)\s+(p\d+(?:\.\d+)?|mean|median|max|min|avg)$", re.I)
# "nginx version: nginx/1.22.1" -> "nginx/1.22.1" in the versions line.
VERSION_PREFIX = re.compile(r"^.*?version:?\s*", re.I)
WIDTH, PANEL_H, TOP, BOTTOM, GAP = 900, 450, 55, 75, 30


class PlotError(RuntimeError):
    """gnuplot could not draw a figure: the report says so where it would be."""


# ---- numbers ------------------------------------------------------------------------

def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def sig(x, digits=3):
    """x with `digits` significant digits, thousands separators, no exponent."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    places = digits - 1 - math.floor(math.log10(abs(x)))
    return f"{x:,.{places}f}"


def num(x):
    """A measured figure for people: 41,230 / 512 / 3.14 / 0.0123."""
    if not is_num(x):
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return sig(x, 3)


def spread(xs):
    """'median (min–max)' of the numbers in xs."""
    xs = [x for x in xs if is_num(x)]
    if not xs:
        return "—"
    if len(xs) == 1:
        return num(xs[0])
    return f"{num(statistics.median(xs))} ({num(min(xs))}–{num(max(xs))})"


def cell(x):
    """A markdown table cell."""
    text = num(x) if is_num(x) else ("" if x is None else str(x))
    return text.replace("|", "\\|").replace("\n", " ")


# A cell that is a figure: "41,230", "0.82×", "12.3 (11.9–13.0)", "47%", "-".
FIGURE = re.compile(r"^[-+]?[\d,.]+\s?[×%]?(\s\(.*\))?$|^[-—]$")


def md_table(columns, rows):
    """A markdown table; columns whose cells are all figures are aligned
    right."""
    cols = [cell(c) for c in columns] or [""]
    body = []
    for r in rows:
        r = list(r)[:len(cols)] + [""] * (len(cols) - len(r))
        body.append([cell(x) for x in r])
    align = []
    for i in range(len(cols)):
        vals = [r[i] for r in body if r[i] != ""]
        align.append("---:" if vals and all(FIGURE.match(v) for v in vals) else "---")
    return (["| " + " | ".join(cols) + " |", "|" + "|".join(align) + "|"]
            + ["| " + " | ".join(r) + " |" for r in body])


# ---- pairs --------------------------------------------------------------------------

def pair_figures(rec):
    """{contender: {"values", "median", "ratio", "lo", "hi", "rounds"}}:
    ratio is the contender's median ÷ theirs', lo and hi the extreme
    per-round ratios, rounds how many rounds gave one (both had a value)."""
    values = rec.get("values") or {}
    theirs = rec.get("theirs")
    names = rec.get("contenders") or list(values)
    tv = values.get(theirs) or []
    tmed = statistics.median([x for x in tv if is_num(x)]) if any(is_num(x) for x in tv) else None
    out = {}
    for n in names:
        v = values.get(n) or []
        good = [x for x in v if is_num(x)]
        f = {"values": v, "n": len(good), "of": len(v),
             "median": statistics.median(good) if good else None,
             "ratio": None, "lo": None, "hi": None, "rounds": 0}
        if n != theirs and f["median"] is not None and tmed:
            f["ratio"] = f["median"] / tmed
            per = [a / b for a, b in zip(v, tv) if is_num(a) and is_num(b) and b]
            if per:
                f["lo"], f["hi"], f["rounds"] = min(per), max(per), len(per)
        out[n] = f
    return out


def words(ratio, better, metric, lo=None, hi=None, rounds=0):
    """'ours is 1.27× faster' from the ratio ours ÷ theirs of the medians
    and which way is better, unless the rounds disagree: when at least two
    rounds gave a ratio and they lie on both sides of 1 (lo < 1 < hi: one
    round had ours ahead, another behind, whichever way is better), 'not
    clearly different: rounds ranged lo–hi'. A single round says so."""
    if ratio is None or ratio <= 0:
        return "—"
    if rounds >= 2 and lo is not None and hi is not None and lo < 1 < hi:
        return f"not clearly different: rounds ranged {range_text(lo, hi)}"
    one = " (one round)" if rounds == 1 else ""
    gain = ratio if better == "higher" else 1 / ratio
    m = (metric or "").lower()
    if re.search(r"/s\b|\bs\b|ms|µs|\bus\b|ns|sec|time|latenc|op", m):
        good, bad = "faster", "slower"
    elif re.search(r"kib|mib|gib|bytes|\bb\b|memory|rss", m) and better == "lower":
        good, bad = "smaller", "larger"
    else:
        good, bad = "better", "worse"
    if abs(gain - 1) < 0.02:
        return "about the same (within 2%)" + one
    return (f"ours is {sig(gain)}× {good}" if gain > 1 else f"ours is {sig(1 / gain)}× {bad}") + one


def range_text(lo, hi):
    return f"{sig(lo)}–{sig(hi)}" if lo is not None else "—"


def headline_section(res, pairs, status):
    L = ["## Headline ratios", "",
         "| pair | ratio ours ÷ theirs (median) | min–max of rounds | metric | better | "
         "in words |", "|---|---:|---:|---|---|---|"]
    for label, pid in HEADLINES:
        rec = next((r for r in pairs if r.get("headline") == label), None) \
            or next((r for r in pairs if r.get("id") == pid), None)
        if rec is None:
            L.append(f"| {label} | — | — | | | {absent(pid, status)} |")
            continue
        f = pair_figures(rec).get(rec.get("ours"), {})
        said = words(f.get("ratio"), rec.get("better"), rec.get("metric"), f.get("lo"),
                     f.get("hi"), f.get("rounds", 0))
        L.append(f"| [{label}](#{anchor(rec)}) | {sig(f.get('ratio'))} | "
                 f"{range_text(f.get('lo'), f.get('hi'))} | {cell(rec.get('metric', ''))} | "
                 f"{cell(rec.get('better', ''))} | {said} |")
    return L + [""]


def absent(eid, status):
    """Why an experiment's record is not there."""
    e = status.get(eid)
    if e is None:
        return "not in this run"
    if e.get("status") != "ok":
        return f"{e.get('status')}: {cell(e.get('why', ''))}"
    return "ran, but returned no such record"


def anchor(rec):
    """The GitHub anchor of the pair's heading (its title and id)."""
    text = f"{rec.get('title') or rec.get('id')} ({rec.get('id')})".lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def pair_section(rec):
    theirs, metric = rec.get("theirs"), rec.get("metric", "")
    figs = pair_figures(rec)
    extra = rec.get("extra") or {}
    L = [f"### {rec.get('title') or rec.get('id')} ({rec.get('id')})", ""]
    cols = ["contender", f"{metric} ({rec.get('better', '?')} is better): median (min–max)",
            f"÷ {theirs} (min–max)"] + [f"{k}: median (min–max)" for k in extra]
    rows = []
    for n, f in figs.items():
        med = spread(f["values"])
        if f["of"] and f["n"] < f["of"]:
            med += f" ({f['n']} of {f['of']} rounds)"
        if n == theirs:
            rt = "1 (reference)"
        elif f["ratio"] is not None:
            rt = f"{sig(f['ratio'])} ({range_text(f['lo'], f['hi'])})"
        else:
            rt = "—"
        name = f"{n} (ours)" if n == rec.get("ours") else n
        rows.append([name, med, rt] + [spread((extra[k] or {}).get(n) or []) for k in extra])
    L += md_table(cols, rows) + [""]
    if rec.get("what"):
        L += [rec["what"], ""]
    L += notes(rec)
    return L


def notes(rec):
    ns = rec.get("notes") or []
    return [f"- {n}" for n in ns] + ([""] if ns else [])


# ---- tables -------------------------------------------------------------------------

def table_section(rec, level="####", said=""):
    """A table record; `said` is the description of the curve it belongs to,
    not repeated."""
    L = [f"{level} {rec.get('title') or rec.get('id')}", ""]
    what = str(rec.get("what") or "")
    if said and what.startswith(said):
        what = what[len(said):].strip()
    if what:
        L += [what, ""]
    L += md_table(rec.get("columns") or [], rec.get("rows") or []) + [""]
    if rec.get("conclusion"):
        L += [f"**Conclusion:** {rec['conclusion']}", ""]
    return L + notes(rec)


# ---- gnuplot ------------------------------------------------------------------------

def q(s):
    """A gnuplot double-quoted string."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def size_label(n):
    for unit, name in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")):
        if n >= unit:
            v = n / unit
            return f"{v:.0f}{name}" if v == int(v) else f"{v:.1f}{name}"
    return f"{n:g}"


def tic_label(x, fmt):
    if fmt == "bytes":
        return size_label(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def log_tics(lo, hi, base=10):
    """Tic positions on a log axis from lo to hi: powers of the base, with
    2 and 5 times them when that leaves too few."""
    if base == 2:
        e0, e1 = math.floor(math.log2(lo)), math.ceil(math.log2(hi))
        tics = [2.0 ** e for e in range(e0, e1 + 1) if lo <= 2.0 ** e <= hi]
        while len(tics) > 10:
            tics = tics[::2]
        return tics
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    for mults in ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
        tics = [m * 10.0 ** e for e in range(e0, e1 + 1) for m in mults
                if lo <= m * 10.0 ** e <= hi * (1 + 1e-9)]
        if len(tics) >= 3:
            break
    while len(tics) > 12:
        tics = tics[::2]
    return tics


def lin_tics(lo, hi):
    """About six round tic positions from lo to hi."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / 6
    e = 10 ** math.floor(math.log10(raw))
    step = next(m * e for m in (1, 2, 2.5, 5, 10) if m * e >= raw)
    t = math.ceil(lo / step - 1e-9) * step
    out = []
    while t <= hi + step * 1e-9:
        out.append(round(t, 12))
        t += step
    return out


def axis_range(vals, log, zero=True):
    """(lo, hi) for an axis holding vals: log axes pad by a factor, linear
    ones start at zero when every value is positive (an honest baseline)."""
    lo, hi = min(vals), max(vals)
    if log:
        return lo / 1.25, hi * 1.25
    if zero and lo >= 0:
        lo = 0.0
    pad = (hi - lo) * 0.06 or abs(hi) * 0.1 or 1.0
    return (lo if lo == 0 else lo - pad), hi + pad


def tics_spec(axis, positions, fmt, labels=True):
    items = ", ".join(f"{q(tic_label(p, fmt) if labels else '')} {p!r}" for p in positions)
    return f"set {axis}tics ({items})"


def series_styles(panels):
    """{(panel index, series index): (colour, dash type, point type)}: one
    colour per base name across the figure, one dash per suffix."""
    bases, styles = {}, {}
    for i, p in enumerate(panels):
        dashes = {}
        for j, s in enumerate(p.get("series") or []):
            name = str(s.get("name", ""))
            m = SUFFIX.match(name)
            base = m.group(1) if m else name
            if base not in bases:
                bases[base] = len(bases)
            k = bases[base]
            dashes[base] = dashes.get(base, 0) + 1
            styles[(i, j)] = (COLOURS[k % len(COLOURS)], dashes[base], POINTS[k % len(POINTS)])
    return styles


def run_gnuplot(script, outputs):
    if not shutil.which("gnuplot"):
        raise PlotError("gnuplot is not installed (apt-get install gnuplot-nox)")
    for o in outputs:
        o.unlink(missing_ok=True)
    try:
        p = subprocess.run(["gnuplot"], input=script.encode(), capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise PlotError("gnuplot took more than 120 s") from None
    err = p.stderr.decode(errors="replace").strip()
    bad = [o.name for o in outputs if not o.exists() or o.stat().st_size == 0]
    if p.returncode != 0 or bad:
        raise PlotError(f"gnuplot exit {p.returncode}, not written: {', '.join(bad) or 'none'}: "
                        f"{err[-400:]}")


def terminals(png, svg, height):
    """The two terminal preambles: (png, svg)."""
    return (f'set terminal pngcairo size {WIDTH},{height} font "DejaVu Sans,11" noenhanced\n'
            f"set output {q(png)}\n",
            f'set terminal svg size {WIDTH},{height} dynamic font "DejaVu Sans,11" noenhanced '
            f'background "white"\nset output {q(svg)}\n')


def plot_curve(rec, png, svg):
    """Draws a curve record; returns remarks for the report (points left
    out). Raises PlotError."""
    panels = [p for p in (rec.get("panels") or []) if isinstance(p, dict)]
    if not panels:
        raise PlotError("the record has no panels")
    xlog = bool(rec.get("xlog"))
    xfmt = rec.get("xformat")
    remarks, blocks, data = [], [], {}
    for i, p in enumerate(panels):
        ylog = bool(p.get("ylog"))
        for j, s in enumerate(p.get("series") or []):
            pts, missing, nonpos = [], 0, 0
            for pt in s.get("points") or []:
                if not (isinstance(pt, (list, tuple)) and len(pt) >= 2):
                    missing += 1
                    continue
                x, y = pt[0], pt[1]
                if not (is_num(x) and is_num(y)):
                    missing += 1
                elif (xlog and x <= 0) or (ylog and y <= 0):
                    nonpos += 1
                else:
                    pts.append((float(x), float(y)))
            name = s.get("name", f"series {j + 1}")
            if missing:
                remarks.append(f"{name} ({p.get('y', '')}): {missing} missing point"
                               f"{'s' if missing > 1 else ''}")
            if nonpos:
                remarks.append(f"{name} ({p.get('y', '')}): {nonpos} point"
                               f"{'s' if nonpos > 1 else ''} at or below zero (log axis)")
            if not pts:
                remarks.append(f"{name} ({p.get('y', '')}): every point")
                continue
            pts.sort()
            data[(i, j)] = pts
            blocks.append(f"$d{i}_{j} << EOD\n" + "\n".join(f"{x!r} {y!r}" for x, y in pts)
                          + "\nEOD\n")
    xs = [x for pts in data.values() for x, _ in pts]
    if not xs:
        raise PlotError("no points in any series")
    styles = series_styles(panels)
    n = len(panels)
    height = TOP + BOTTOM + GAP * (n - 1) + PANEL_H * n
    longest = max((len(str(s.get("name", ""))) for p in panels for s in p.get("series") or []),
                  default=8)
    right = 1 - min(0.35, max(0.12, (70 + 7.2 * longest) / WIDTH))
    left = 0.11
    xlo, xhi = axis_range(xs, xlog, zero=False)
    distinct = sorted(set(xs))
    if len(distinct) <= 12 and (xlog or all(x == int(x) for x in distinct)):
        xtics = distinct
    elif xlog:
        xtics = log_tics(xlo, xhi, 2 if xfmt == "bytes" else 10)
    else:
        xtics = lin_tics(xlo, xhi)
    if xfmt == "bytes" and len(xtics) > 10:
        xtics = xtics[::2]
    body = ["reset", "set encoding utf8", "set termoption noenhanced",
            f"set multiplot title {q(rec.get('title') or rec.get('id'))} font \",14\""]
    for i, p in enumerate(panels):
        top = 1 - (TOP + i * (PANEL_H + GAP)) / height
        bottom = 1 - (TOP + i * (PANEL_H + GAP) + PANEL_H) / height
        last = i == n - 1
        ylog = bool(p.get("ylog"))
        ys = [y for (pi, _), pts in data.items() if pi == i for _, y in pts]
        body += [f"set lmargin at screen {left}", f"set rmargin at screen {right:.3f}",
                 f"set tmargin at screen {top:.4f}", f"set bmargin at screen {bottom:.4f}",
                 "set logscale x 2" if xlog and xfmt == "bytes" else
                 "set logscale x 10" if xlog else "unset logscale x",
                 f"set xrange [{xlo!r}:{xhi!r}]",
                 tics_spec("x", xtics, xfmt, labels=last),
                 f"set xlabel {q(rec.get('x', '') if last else '')}",
                 f"set ylabel {q(p.get('y', ''))}",
                 "set grid xtics ytics lc rgb \"#dddddd\" lt 1",
                 "set key outside right top Left reverse samplen 3 spacing 1.2",
                 "unset arrow", "unset label"]
        if ys:
            ylo, yhi = axis_range(ys, ylog)
            body += ["set logscale y 10" if ylog else "unset logscale y",
                     f"set yrange [{ylo!r}:{yhi!r}]",
                     tics_spec("y", log_tics(ylo, yhi) if ylog else lin_tics(ylo, yhi), None)]
        else:
            body += ["unset logscale y", "set yrange [0:1]", "unset ytics",
                     'set label "no points" at graph 0.5, 0.5 center']
        for m in rec.get("marks") or []:
            mx = m.get("x") if isinstance(m, dict) else None
            if is_num(mx) and xlo <= mx <= xhi:
                body.append(f"set arrow from {mx!r}, graph 0 to {mx!r}, graph 1 nohead dt 2 "
                            f"lw 1.2 lc rgb \"#777777\" back")
                if i == n - 1:
                    # Up the line, on its right; on its left near the right edge.
                    frac = ((math.log(mx / xlo) / math.log(xhi / xlo)) if xlog
                            else (mx - xlo) / (xhi - xlo))
                    side = "-1.3" if frac > 0.9 else "1.1"
                    body.append(f"set label {q(m.get('label', ''))} at {mx!r}, graph 0.02 "
                                f"rotate by 90 offset {side},0 left font \",9\" "
                                f"tc rgb \"#555555\" front")
        plots = []
        for j, s in enumerate(p.get("series") or []):
            if (i, j) not in data:
                continue
            colour, dt, pt = styles[(i, j)]
            plots.append(f"$d{i}_{j} using 1:2 with linespoints lw 2 dt {dt} pt {pt} ps 0.8 "
                         f"lc rgb \"{colour}\" title {q(s.get('name', ''))}")
        body.append("plot " + (", ".join(plots) if plots else "NaN notitle"))
    body.append("unset multiplot")
    tpng, tsvg = terminals(png, svg, height)
    text = "".join(blocks) + tpng + "\n".join(body) + "\n" + tsvg + "\n".join(body) + "\n"
    run_gnuplot(text, [png, svg])
    return remarks


def plot_surface(rec, png, svg):
    """The memory mountain as a pm3d surface: stride × log2(size) × MB/s."""
    s = rec.get("surface") or {}
    sizes, strides, grid = s.get("sizes") or [], s.get("strides") or [], s.get("mbps") or []
    rows = []
    for size, row in zip(sizes, grid):
        if is_num(size) and size > 0 and isinstance(row, list):
            pts = [f"{st!r} {math.log2(size)!r} {v!r}" for st, v in zip(strides, row)
                   if is_num(st) and is_num(v)]
            if len(pts) >= 2:
                rows.append((size, pts))
    if len(rows) < 2:
        raise PlotError("the surface has fewer than two rows of points")
    rows.sort()
    top = max(float(p.split()[2]) for _, pts in rows for p in pts) * 1.05
    block = "$surf << EOD\n" + "\n\n".join("\n".join(pts) for _, pts in rows) + "\nEOD\n"
    ys = [size for size, _ in rows]
    ytics = ys if len(ys) <= 9 else ys[::2]
    st = [x for x in strides if is_num(x)]
    xt = sorted({st[0], st[-1]} | {x for x in (8, 16, 32, 48, 64) if st[0] <= x <= st[-1]})
    body = "\n".join([
        "reset", "set encoding utf8", "set termoption noenhanced",
        f"set title {q((rec.get('title') or 'Memory mountain') + ': the surface')} font \",14\"",
        'set xlabel "stride (elements of 8 bytes)" offset 0,-1',
        'set ylabel "working set" offset 1,-1',
        'set zlabel "read MB/s" rotate by 90 offset -3,0',
        "set lmargin 8",
        f"set xrange [{st[0]}:{st[-1]}]",
        f"set yrange [{math.log2(ys[-1])!r}:{math.log2(ys[0])!r}]",
        f"set zrange [0:{top!r}]", f"set cbrange [0:{top!r}]",
        "set xtics (" + ", ".join(f"{q(x)} {x}" for x in xt) + ")",
        "set ytics (" + ", ".join(f"{q(size_label(y))} {math.log2(y)!r}" for y in ytics) + ")",
        'set ztics format "%.0f"', "set ticslevel 0", "set view 60, 35, 1, 1.05",
        "set grid x y z lc rgb \"#cccccc\"",
        "set pm3d depthorder border lc rgb \"#333333\" lw 0.25",
        'set palette defined (0 "#30123b", 0.2 "#4686fb", 0.4 "#1ae4b6", 0.6 "#a2fc3c", '
        '0.8 "#faba39", 1 "#7a0403")',
        "unset colorbox",
        "set key off", "splot $surf using 1:2:3 with pm3d"])
    tpng, tsvg = terminals(png, svg, 700)
    run_gnuplot(block + tpng + body + "\n" + tsvg + body + "\n", [png, svg])


# ---- the report ---------------------------------------------------------------------

def when(iso):
    try:
        t = datetime.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    if t.tzinfo:
        t = t.astimezone(datetime.timezone.utc)
    return t


def version_text(name, line):
    """'nginx/1.22.1', 'gcc (Debian 12.2.0-14) 12.2.0', 'glibc: ldd (Debian
    GLIBC 2.36-9) 2.36': the tool's name once."""
    v = VERSION_PREFIX.sub("", str(line)).strip()[:70]
    return v if v.lower().startswith(name.lower()) else f"{name}: {v}"


def loads(x):
    return ", ".join(f"{v:.2f}" for v in x) if isinstance(x, list) and x else "?"


def intro(res):
    started, finished = when(res.get("started")), when(res.get("finished"))
    took = res.get("took_s")
    budget = res.get("budget_s")
    how = "`make bench` (bench/run.py"
    if res.get("only"):
        how += f" --only '{res['only']}'"
    if res.get("quick"):
        how += " --quick"
    how += ")"
    span = ""
    if started:
        span = f" from {started:%Y-%m-%d %H:%M}" + (f" to {finished:%H:%M} UTC" if finished
                                                     else " UTC")
    ld = res.get("load") or {}
    before, after = ld.get("before"), ld.get("after")
    busy = ""
    if isinstance(before, list) and before and max(before[0], (after or [0])[0]) > 1.0:
        busy = (": other work shared the machine, so absolute figures are rough and ratios "
                "measured side by side mean more")
    vers = "; ".join(version_text(k, v) for k, v in (res.get("versions") or {}).items())
    parts = [f"Made by {how}"
             + (f" with a budget of {num(budget)} s" if is_num(budget) else "")
             + (f"; the run took {num(took)} s" if is_num(took) else "")
             + f"{span}, on {res.get('machine') or 'a machine not recorded'}."]
    if before or after:
        parts.append(f"Load average (1, 5, 15 min) {loads(before)} before and {loads(after)} "
                     f"after{busy}.")
    if res.get("git"):
        parts.append(f"Source: git {res['git']}"
                     + (" (with uncommitted changes)." if str(res["git"]).endswith("-dirty")
                        else "."))
    if is_num(res.get("reps")):
        parts.append(f"{res['reps']} repetition{'s' if res['reps'] != 1 else ''} per contender.")
    if vers:
        parts.append(f"Versions: {vers}.")
    p = " ".join(parts)
    L = [p, ""]
    if res.get("interrupted"):
        L += [f"**This run was interrupted** ({cell(res['interrupted'])}): an experiment "
              f"under way then is marked \"interrupted\" below and measured nothing; those "
              f"after it did not run.", ""]
    if res.get("quick"):
        L += ["**This is a --quick smoke run** (one repetition, the smallest sizes, at most "
              "15 s an experiment): it shows that every part works, not how fast anything "
              "is.", ""]
    L += ["Ratios are ours ÷ theirs, both measured in the same run in alternating rounds (each "
          "round runs every contender once, the order rotating): the ratio of the medians, "
          "with the lowest and highest ratio of one round's pair as min–max; \"in words\" says "
          "\"not clearly different\" when one round had ours ahead and another behind. "
          "Throughput comes from closed-loop tools (wrk, redis-benchmark, echo-client). Every "
          "latency column names the tool that measured it. The closed-loop percentiles of the "
          "pairs (\"wrk p99 ms (closed loop)\" and the like) hide stalls: while the server "
          "stalls the tool sends nothing, so the requests that would have waited are never "
          "timed. osnet-load's open-loop percentiles (the scaling curves and tables) do not: "
          "requests are due at a constant rate whatever the server does, and each latency "
          "runs from when its request was due.", ""]
    return L


def section_of(rid, curve=False):
    """Where a record goes: "system", "tuning", "scaling", "pairs" or
    "other" by its id's first part; curves go to "scaling" unless they are
    system or tuning ones."""
    first = str(rid).split(".", 1)[0]
    if first in ("system", "tuning", "scaling", "pairs"):
        return first if not (curve and first == "pairs") else "scaling"
    return "scaling" if curve else "other"


def figure(rec, plots, rel, made, problems):
    """The markdown of a curve record's figure(s); draws them."""
    rid = str(rec.get("id"))
    png, svg = plots / f"{rid}.png", plots / f"{rid}.svg"
    L = []
    try:
        remarks = plot_curve(rec, png, svg)
        made += [png, svg]
        L += [f"![{rec.get('title') or rid}]({rel}/{png.name})", "",
              f"[SVG]({rel}/{svg.name})", ""]
        if remarks:
            L += [f"*Left out of the figure: {'; '.join(remarks)}.*", ""]
    except PlotError as e:
        problems.append(f"{rid}: {e}")
        L += [f"*(No figure: {e})*", ""]
    if rec.get("surface"):
        p3, s3 = plots / f"{rid}-3d.png", plots / f"{rid}-3d.svg"
        try:
            plot_surface(rec, p3, s3)
            made += [p3, s3]
            L += [f"![{rec.get('title') or rid}: the 3-D surface]({rel}/{p3.name})", "",
                  f"[SVG]({rel}/{s3.name}) — read throughput against stride and working-set "
                  f"size.", ""]
        except PlotError as e:
            problems.append(f"{rid} surface: {e}")
            L += [f"*(No 3-D surface: {e})*", ""]
    return L


def owner(table_id, curve_ids):
    """The curve a table belongs to: the longest curve id that the table's id
    starts with (followed by '.', '-' or nothing)."""
    best = None
    for c in curve_ids:
        if table_id == c or table_id.startswith(c + ".") or table_id.startswith(c + "-"):
            if best is None or len(c) > len(best):
                best = c
    return best


def render(res, out_md):
    """(markdown text, files drawn, problems)."""
    out_md = pathlib.Path(out_md)
    plots = out_md.parent / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    rel = "plots"
    exps = [e for e in (res.get("experiments") or []) if isinstance(e, dict)]
    status = {e.get("id"): e for e in exps}
    recs = [r for e in exps for r in (e.get("records") or []) if isinstance(r, dict)]
    pairs = [r for r in recs if r.get("kind") == "pair"]
    curves = [r for r in recs if r.get("kind") == "curve"]
    tables = [r for r in recs if r.get("kind") == "table"]
    others = [r for r in recs if r.get("kind") not in ("pair", "curve", "table")]
    cids = [str(c.get("id")) for c in curves]
    attached = {c: [] for c in cids}
    loose = []
    for t in tables:
        o = owner(str(t.get("id")), cids)
        (attached[o] if o else loose).append(t)
    made, problems = [], []

    L = ["# osnet benchmarks", ""] + intro(res)
    L += headline_section(res, pairs, status)

    L += ["## Every pair", ""]
    if not pairs:
        L += ["No pair was measured in this run.", ""]
    for r in pairs:
        L += guarded(pair_section, r)
    for t in loose:
        if section_of(t.get("id")) == "pairs":
            L += guarded(table_section, t, "###")

    def curve_block(c):
        out = [f"### {c.get('title') or c.get('id')}", ""]
        out += figure(c, plots, rel, made, problems)
        if c.get("what"):
            out += [c["what"], ""]
        out += notes(c)
        for t in attached[str(c.get("id"))]:
            out += guarded(table_section, t, "####", str(c.get("what") or ""))
        return out

    for name, heading in (("scaling", "## Scaling"), ("tuning", "## Tuning"),
                          ("system", "## System"), ("other", "## Other tables")):
        cs = [c for c in curves if section_of(c.get("id"), curve=True) == name]
        if name == "system":
            # Fork against thread first, then the mountain, then anything else.
            cs.sort(key=lambda c: (0 if "fork" in str(c.get("id")) else
                                   1 if "mountain" in str(c.get("id")) else 2))
        ts = [t for t in loose if section_of(t.get("id")) == name]
        if name == "other" and not ts:
            continue
        L += [heading, ""]
        if not cs and not ts:
            L += ["Nothing of this kind in this run.", ""]
        for c in cs:
            L += guarded(curve_block, c)
        for t in ts:
            L += guarded(table_section, t, "###")
    if others:
        L += ["## Other records", "",
              "Records of a kind this report does not know (shown as they are):", ""]
        for r in others:
            L += [f"- `{r.get('id')}` ({r.get('kind')}): {cell(r.get('title', ''))}"]
        L.append("")

    L += ["## Skipped or failed", ""]
    bad = [e for e in exps if e.get("status") != "ok"]
    empty = [e for e in exps if e.get("status") == "ok" and not e.get("records")]
    if not bad and not empty:
        L += [f"Every experiment of this run ({len(exps)}) ran and returned its records.", ""]
    else:
        L += ["| experiment | status | why |", "|---|---|---|"]
        for e in bad:
            L.append(f"| {cell(e.get('id'))} | {cell(e.get('status'))} | "
                     f"{cell(e.get('why', ''))} |")
        for e in empty:
            L.append(f"| {cell(e.get('id'))} | ok | returned no records |")
        L.append("")
    if problems:
        L += ["Figures that could not be drawn:", ""] + [f"- {p}" for p in problems] + [""]

    L += ["## Regenerating", "",
          "- `make bench` runs everything within a budget of 600 s (`make bench "
          "BENCH_BUDGET=1200` for more time, steadier figures); it writes "
          "bench/results/<time>.json, bench/results/latest.json, this file and bench/plots/.",
          "- `bench/run.py --only 'pairs.*,system.mountain' [--budget S] [--quick]` runs some "
          "experiments (`bench/run.py --list` names them); `--no-report` leaves this file "
          "alone.",
          "- `bench/report.py [bench/results/<time>.json] [--out bench/REPORT.md]` rewrites "
          "the report and the figures from a saved run without measuring (needs gnuplot).", ""]
    return "\n".join(L), made, problems


def guarded(fn, rec, *args):
    """fn(rec) — or a line saying the record could not be shown: one odd
    record must not lose the rest of the report."""
    try:
        return fn(rec, *args)
    except Exception as e:  # noqa: BLE001 (anything a malformed record can raise)
        return [f"*(Record `{rec.get('id')}` could not be shown: {type(e).__name__}: {e})*", ""]


def write(res, out_md_path):
    """Writes the report of results dict `res` to out_md_path and its figures
    to plots/ beside it; figures of earlier runs that this one does not have
    are removed. Returns {"plots", "seconds", "problems"}."""
    t0 = time.monotonic()
    out = pathlib.Path(out_md_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text, made, problems = render(res, out)
    keep = {p.name for p in made}
    for old in (out.parent / "plots").glob("*"):
        if old.suffix in (".png", ".svg") and old.name not in keep:
            old.unlink()
    out.write_text(text)
    return {"plots": len(made), "seconds": time.monotonic() - t0, "problems": problems}


def main():
    ap = argparse.ArgumentParser(prog="bench/report.py",
                                 description="bench/run.py's results JSON -> REPORT.md and "
                                             "plots/*.png, *.svg (gnuplot).")
    ap.add_argument("results", nargs="?", default=str(BENCH / "results" / "latest.json"))
    ap.add_argument("--out", default=str(BENCH / "REPORT.md"))
    a = ap.parse_args()
    try:
        res = json.loads(pathlib.Path(a.results).read_text())
    except (OSError, ValueError) as e:
        sys.exit(f"bench/report.py: cannot read {a.results}: {e}")
    info = write(res, a.out)
    print(f"wrote {a.out} and {info['plots']} figures in {info['seconds']:.1f} s"
          + (f"; {len(info['problems'])} could not be drawn" if info["problems"] else ""),
          file=sys.stderr)
    for p in info["problems"]:
        print(f"  {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
