"""Read requirements out of specs/<component>.md.

A requirement is a list item of the form
    - **ECHO-007** (MUST) sentence...
possibly continued on indented lines. IDs are unique across all specs.
"""
import dataclasses
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
# Components whose spec is a C header, specs/<comp>.h, as well as prose:
# checked by compiling an implementation's source with cmocka checks
# (osnet_harness/libcheck.py), not by running a program.
LIB_COMPONENTS = ("threadpool", "mempool", "channel", "green")
REQ_RE = re.compile(r"^- \*\*([A-Z][A-Z0-9]*-\d{3})\*\* \((MUST|SHOULD|MAY)\)\s*(.*)$")


@dataclasses.dataclass
class Requirement:
    id: str
    level: str
    text: str
    component: str
    line: int

    @property
    def summary(self):
        """First sentence of the requirement, for one-line scorecards."""
        m = re.match(r"(.+?\.)(\s|$)", self.text)
        return (m.group(1) if m else self.text)


def parse_spec(path):
    """Return the requirements of one spec file, in file order."""
    reqs = []
    current = None
    component = path.stem
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = REQ_RE.match(line)
        if m:
            current = Requirement(m.group(1), m.group(2), m.group(3).strip(), component, n)
            reqs.append(current)
        elif current and line.startswith("  ") and line.strip():
            current.text += " " + line.strip()
        else:
            current = None
    return reqs


def all_requirements():
    """Map ID -> Requirement over every spec; raises on a duplicate ID."""
    out = {}
    for path in sorted(SPECS.glob("*.md")):
        for r in parse_spec(path):
            if r.id in out:
                raise ValueError(f"{path}:{r.line}: {r.id} already defined in "
                                 f"specs/{out[r.id].component}.md:{out[r.id].line}")
            out[r.id] = r
    return out


def component_requirements(component):
    path = SPECS / f"{component}.md"
    return parse_spec(path) if path.exists() else []


def files_citing(dirs, ids):
    """The test files in dirs that mention one of the requirement ids (what
    --req selects): only those are handed to pytest, since importing every
    module of a component costs more than running one test (about a third
    of each of make check's few hundred broken-program checks). The dirs
    themselves when no file mentions any, so the run still reports the
    requirements as not run."""
    def cites(f):
        # A library's test_checks.py runs the cmocka checks next to it,
        # which are where its requirement IDs are written.
        texts = [f.read_text(errors="replace")]
        if f.name == "test_checks.py":
            texts += [c.read_text(errors="replace") for c in f.parent.glob("check_*.c")]
        return any(i in t for t in texts for i in ids)

    files = [f for d in dirs for f in sorted(pathlib.Path(d).glob("test_*.py")) if cites(f)]
    return [str(f) for f in files] or dirs
