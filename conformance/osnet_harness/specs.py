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
