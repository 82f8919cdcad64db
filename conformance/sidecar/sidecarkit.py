"""What the sidecar tests share: a started sidecar in front of a fake
origin, the origin's view of each request, the JSON log, and a strict
parser of the Prometheus text format (0.0.4).

The origin is osnet_harness.backends.Backend: its /echo answers with the
request exactly as it arrived (method, target, every header field as sent),
so a test reads what the sidecar forwarded from the response it got back.
"""
import json
import math
import re
import shutil
import subprocess
import time

from osnet_harness.httpclient import Conn, HttpError, describe, exchange, request, show
from osnet_harness.timeouts import T

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
TRACEPARENT_00 = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

# Trace ids the tests send (valid ones; each test case uses its own).
TID = "4bf92f3577b34da6a3ce929d0e0e4736"
PID = "00f067aa0ba902b7"


def tid(n):
    """A distinct valid trace-id per n, so a test can tell which one came back."""
    return f"{n:04x}" + TID[4:]


class Sidecar:
    """A started sidecar (server), its origin, and where it logs."""

    def __init__(self, server, origin, log_path=None):
        self.server, self.origin, self.log_path = server, origin, log_path
        self.addr = server.addr
        self.metrics_addr = (server.host, int(server.values["metrics_port"]))

    def send(self, data, conn=None):
        """One exchange; returns the response (the connection is closed
        unless given)."""
        c, r = exchange(self.addr, data, conn=conn)
        if conn is None:
            c.close()
        return r

    def scrape(self, conn=None):
        """GET /metrics on the metrics port: (response, Exposition)."""
        data = request("GET", "/metrics", [("Accept", "text/plain")], host="sidecar.test")
        c, r = exchange(self.metrics_addr, data, conn=conn)
        if conn is None:
            c.close()
        if r.status != 200:
            raise HttpError(f"GET /metrics on the metrics port {self.metrics_addr[1]}: status "
                            f"{r.status}, expected 200\n" + describe(data, "200", r))
        return r, parse_exposition(r.body)

    def wait_metrics(self, pred, what, timeout=None):
        """Scrape until pred(exposition) holds; return that exposition, or the
        last one on timeout (the caller's assertion then says what is wrong).
        The counters of a request may be updated a moment after its response
        reached the client, so a test waits for them rather than scraping once."""
        deadline = time.monotonic() + (T(5) if timeout is None else timeout)
        while True:
            _, e = self.scrape()
            if pred(e) or time.monotonic() > deadline:
                return e
            time.sleep(0.05)


# ---- what the origin received --------------------------------------------------


def echoed(resp):
    """The origin's JSON account of the request (its /echo body)."""
    try:
        return json.loads(resp.body)
    except ValueError:
        raise HttpError("expected the origin's JSON echo of the forwarded request, got:\n"
                        + resp.summary()) from None


def fields(echo, name):
    """Values of every field called name (any case) the origin received."""
    n = name.lower()
    return [v for k, v in echo["headers"] if k.lower() == n]


def field_names(echo, name):
    """The names as sent (case kept) of the fields called name."""
    n = name.lower()
    return [k for k, _ in echo["headers"] if k.lower() == n]


def forwarded_traceparent(resp, sent):
    """The one traceparent the origin received, split into its parts:
    (trace_id, parent_id, flags as int). Raises unless there is exactly one
    valid version-00 value (SIDECAR-010 is checked by every trace test)."""
    e = echoed(resp)
    vals = fields(e, "traceparent")
    if len(vals) != 1:
        raise HttpError(f"the origin received {len(vals)} traceparent field(s) {vals!r}; "
                        f"expected exactly one\n" + describe(sent, "one traceparent forwarded"))
    m = TRACEPARENT_00.match(vals[0])
    if not m or set(m.group(1)) == {"0"} or set(m.group(2)) == {"0"}:
        raise HttpError(f"the origin received traceparent {vals[0]!r}, which is not a valid "
                        f"version-00 value (00-<32 lowercase hex, not all 0>-<16 lowercase hex, "
                        f"not all 0>-<2 lowercase hex>)\n" + describe(sent, "a valid traceparent"))
    return m.group(1), m.group(2), int(m.group(3), 16)


def tracestate_members(value):
    """The list members of a tracestate value (or of several joined with
    ','), surrounding spaces/tabs and empty members dropped."""
    if value is None:
        return []
    return [m.strip(" \t") for m in value.split(",") if m.strip(" \t")]


def hex_digits_differing(a, b):
    return sum(1 for x, y in zip(a, b) if x != y)


# ---- the JSON log ---------------------------------------------------------------


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate member(s) {sorted(dup)}")
    return dict(pairs)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def parse_log_line(raw):
    """One log line (bytes, without its \\n) as a dict; raises HttpError saying
    why it is not one JSON object in UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HttpError(f"log line is not valid UTF-8 ({e}): {show(raw, 300)}") from None
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except ValueError as e:
        raise HttpError(f"log line is not one JSON text ({e}): {show(raw, 300)}") from None
    if not isinstance(obj, dict):
        raise HttpError(f"log line is JSON but not an object: {show(raw, 300)}")
    return obj


def raw_log_lines(path):
    """The complete lines (ending in \\n) of a log file, as bytes."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return data.split(b"\n")[:-1]


def wait_log(path, n, timeout=None):
    """Waits until the log holds at least n complete lines; returns them
    (bytes), possibly fewer on timeout."""
    deadline = time.monotonic() + (T(10) if timeout is None else timeout)
    while True:
        lines = raw_log_lines(path)
        if len(lines) >= n or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def log_entries(path, n, what):
    """Exactly n parsed lines once n have arrived; raises if fewer come or
    more are there."""
    lines = wait_log(path, n)
    if len(lines) != n:
        shown = "\n  ".join(show(l, 200) for l in lines[-8:]) or "(empty)"
        raise HttpError(f"{what}: the log {path} has {len(lines)} complete line(s), expected "
                        f"{n} (one per request; waited {T(10):.0f}s); last lines:\n  {shown}")
    return [parse_log_line(l) for l in lines]


# ---- the Prometheus text format (0.0.4) -----------------------------------------

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
                   r"|[Ii][Nn][Ff](?:[Ii][Nn][Ii][Tt][Yy])?|[Nn][Aa][Nn])$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ExpositionError(HttpError):
    """The metrics body does not follow the text format."""


class Sample:
    def __init__(self, name, labels, value, line):
        self.name, self.labels, self.value, self.line = name, labels, value, line

    def __repr__(self):
        return self.line


class Family:
    def __init__(self, name):
        self.name = name
        self.help = None
        self.type = None
        self.samples = []


class Exposition:
    """A parsed scrape: families in order, and lookups for the tests."""

    def __init__(self, text):
        self.text = text
        self.families = {}   # name -> Family, in the order they appeared

    def family(self, name):
        return self.families.get(name)

    def samples(self, name, **labels):
        """Samples called name whose labels include the given ones."""
        out = []
        for f in self.families.values():
            for s in f.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    out.append(s)
        return out

    def value(self, name, **labels):
        """The sum of the matching samples (0 when there are none: a series
        that has not appeared yet counts as zero)."""
        return sum(s.value for s in self.samples(name, **labels))


def _family_of(name, families):
    """The family a sample name belongs to: its own, or a histogram's or
    summary's for the _bucket/_sum/_count suffixes."""
    if name in families:
        return families[name]
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            base = families.get(name[: -len(suffix)])
            if base is not None and base.type in ("histogram", "summary"):
                if suffix == "_bucket" and base.type != "histogram":
                    continue
                return base
    return None


def _labels(s, pos, lineno, line):
    """Parses {a="x",b="y"} at s[pos] == '{'; returns (dict, position after '}')."""
    labels = {}
    i = pos + 1
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL_NAME.match(s, i)
        if not m:
            raise ExpositionError(f"line {lineno}: bad label name at column {i + 1}: {line!r}")
        lname = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ExpositionError(f"line {lineno}: expected =\" after label {lname}: {line!r}")
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ExpositionError(f"line {lineno}: unterminated label value: {line!r}")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt == "\\":
                    val.append("\\")
                elif nxt == '"':
                    val.append('"')
                elif nxt == "n":
                    val.append("\n")
                else:
                    raise ExpositionError(f"line {lineno}: invalid escape \\{nxt} in a label value "
                                          f"(only \\\\, \\\" and \\n exist): {line!r}")
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if lname in labels:
            raise ExpositionError(f"line {lineno}: label {lname} twice: {line!r}")
        labels[lname] = "".join(val)
        if i < len(s) and s[i] == ",":
            i += 1
        elif i < len(s) and s[i] == "}":
            continue
        else:
            raise ExpositionError(f"line {lineno}: expected , or }} after a label value: {line!r}")


def _float(text, lineno, line):
    if not FLOAT.match(text):
        raise ExpositionError(f"line {lineno}: {text!r} is not a float value: {line!r}")
    return float(text)


def parse_exposition(body):
    """Parses a text-format body strictly; raises ExpositionError naming the
    line. Checks: UTF-8, \\n-terminated lines, HELP/TYPE syntax, one HELP and
    one TYPE per family and before its samples, families not interleaved,
    sample syntax (names, labels, escapes, float values, optional integer
    timestamp), no duplicate series."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ExpositionError(f"the metrics body is not UTF-8: {e}") from None
    if text and not text.endswith("\n"):
        raise ExpositionError(f"the metrics body does not end with \\n: ...{text[-60:]!r}")
    if "\r" in text:
        raise ExpositionError("the metrics body contains CR: lines end with \\n only")
    e = Exposition(text)
    fams = e.families
    state = {"current": None, "closed": set()}
    seen = set()

    def enter(f, lineno, line):
        # All lines of a family form one group: once another family's lines
        # start, the earlier family may not come back.
        if state["current"] is f:
            return
        if f.name in state["closed"]:
            raise ExpositionError(f"line {lineno}: {f.name} again after its group ended (all "
                                  f"lines of a metric must be together): {line!r}")
        if state["current"] is not None:
            state["closed"].add(state["current"].name)
        state["current"] = f

    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.strip() == "":
            continue
        if line.startswith("#"):
            parts = line[1:].lstrip(" \t").split(None, 2)
            if len(parts) < 2 or parts[0] not in ("HELP", "TYPE"):
                continue  # other comments are ignored
            kind, name = parts[0], parts[1]
            if not METRIC_NAME.fullmatch(name):
                raise ExpositionError(f"line {lineno}: bad metric name {name!r} in # {kind}")
            f = fams.get(name)
            if f is None:
                f = fams[name] = Family(name)
            enter(f, lineno, line)
            if f.samples:
                raise ExpositionError(f"line {lineno}: # {kind} {name} after samples of {name} "
                                      f"(HELP and TYPE come first)")
            if kind == "HELP":
                if f.help is not None:
                    raise ExpositionError(f"line {lineno}: second # HELP for {name}")
                f.help = parts[2] if len(parts) > 2 else ""
            else:
                if f.type is not None:
                    raise ExpositionError(f"line {lineno}: second # TYPE for {name}")
                t = parts[2].strip() if len(parts) > 2 else ""
                if t not in TYPES:
                    raise ExpositionError(f"line {lineno}: unknown type {t!r} for {name}")
                f.type = t
            continue
        m = METRIC_NAME.match(line)
        if not m:
            raise ExpositionError(f"line {lineno}: not a sample, comment or empty line: {line!r}")
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = _labels(line, i, lineno, line)
        rest = line[i:]
        if not rest.startswith((" ", "\t")):
            raise ExpositionError(f"line {lineno}: expected a space before the value: {line!r}")
        toks = rest.split()
        if len(toks) not in (1, 2):
            raise ExpositionError(f"line {lineno}: expected a value and an optional timestamp: "
                                  f"{line!r}")
        value = _float(toks[0], lineno, line)
        if len(toks) == 2 and not re.fullmatch(r"-?\d+", toks[1]):
            raise ExpositionError(f"line {lineno}: timestamp {toks[1]!r} is not an integer")
        f = _family_of(name, fams)
        if f is None:
            f = fams[name] = Family(name)  # untyped, no HELP: allowed by the format
        enter(f, lineno, line)
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ExpositionError(f"line {lineno}: the same series twice: {line!r}")
        seen.add(key)
        f.samples.append(Sample(name, labels, value, line))
    return e


def promtool_problems(body):
    """What `promtool check metrics` says about body, or None when promtool
    is not installed (Debian package `prometheus`) or agrees."""
    exe = shutil.which("promtool")
    if exe is None:
        return None
    p = subprocess.run([exe, "check", "metrics"], input=body, capture_output=True,
                       timeout=T(30))
    if p.returncode != 0:
        return (p.stdout + p.stderr).decode(errors="replace").strip() or f"exit {p.returncode}"
    return None


def histogram_problems(e, name):
    """Why the histogram `name` in e is not consistent (a list; empty: it is):
    buckets in increasing le order, cumulative, ending with +Inf == _count,
    for each label set (labels but le) of the family."""
    problems = []
    groups = {}
    for s in e.samples(name + "_bucket"):
        if "le" not in s.labels:
            problems.append(f"bucket without an le label: {s.line}")
            continue
        key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        groups.setdefault(key, []).append(s)
    if not groups:
        problems.append(f"no {name}_bucket samples")
    for key, buckets in groups.items():
        les = []
        for s in buckets:
            try:
                les.append(_float(s.labels["le"], 0, s.line))
            except ExpositionError:
                problems.append(f"le={s.labels['le']!r} is not a float: {s.line}")
                les.append(math.nan)
        if any(b <= a for a, b in zip(les, les[1:])):
            problems.append("buckets not in increasing le order: "
                            f"{[s.labels['le'] for s in buckets]}")
        counts = [s.value for s in buckets]
        if any(b < a for a, b in zip(counts, counts[1:])):
            problems.append("bucket counts decrease (they must be cumulative): "
                            + ", ".join(f"le={s.labels['le']}: {s.value:g}" for s in buckets))
        if not les or les[-1] != math.inf:
            problems.append(f"the last bucket is not le=\"+Inf\": {buckets[-1].line}")
        labels = dict(key)
        count = e.samples(name + "_count", **labels)
        total = e.samples(name + "_sum", **labels)
        if len(count) != 1 or len(total) != 1:
            problems.append(f"expected one {name}_count and one {name}_sum for {labels}, found "
                            f"{len(count)} and {len(total)}")
        elif les and les[-1] == math.inf and counts[-1] != count[0].value:
            problems.append(f"le=\"+Inf\" bucket {counts[-1]:g} differs from _count "
                            f"{count[0].value:g}")
    return problems


def media_params(ctype):
    """('text/plain', {'version': '0.0.4', ...}) from a Content-Type value."""
    parts = [p.strip() for p in (ctype or "").split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].lower(), params


def new_conn(addr):
    return Conn(addr)
