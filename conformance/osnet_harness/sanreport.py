"""Reports of AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer,
ThreadSanitizer and valgrind's memcheck in what a program wrote to stderr.

A program built with a sanitizer (or run under valgrind) that finds a bug
prints a report on stderr; most of the time it also exits with an error
status or dies, but not always in a way a test notices: a leak is
reported when a server exits after the test has checked everything, a
forked worker dies while its parent carries on, a tool whose test expects
a failure exit status fails for another reason. So the harness reads the
stderr of every program it ran (plugin.py: after each test) and fails the
test on any report, quoting it.

The patterns are each tool's own report headers, which no program here
prints otherwise:

    ==1234==ERROR: AddressSanitizer: heap-use-after-free on address ...
    ==1234==ERROR: LeakSanitizer: detected memory leaks
    file.c:12:5: runtime error: signed integer overflow: ...
    WARNING: ThreadSanitizer: data race (pid=1234)
    ==1234== valgrind-error         (valgrind --error-markers=valgrind-error,valgrind-error-end)
"""
import re

# valgrind's options for the command-line tools (tools/sanitize puts them in
# the template): quiet unless it finds something, each error between
# markers this module looks for, leaks definitely lost counted as errors,
# an exit status no tool here uses, and room for the 1024 workers psum and
# sumsq may start (valgrind gives up past 500 threads by default).
VALGRIND_EXIT = 99
VALGRIND = ["valgrind", "-q", f"--error-exitcode={VALGRIND_EXIT}", "--leak-check=full",
            "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
            "--error-markers=valgrind-error,valgrind-error-end", "--max-threads=1100"]

HEADERS = re.compile(
    rb"^(?:==\d+==ERROR: (?P<asan>(?:Address|Leak|Thread|Memory)Sanitizer: [^\n]*)"
    rb"|(?P<ubsan>\S+: runtime error: [^\n]*)"
    rb"|(?:WARNING|ERROR): (?P<tsan>ThreadSanitizer: [^\n]*)"
    rb"|==\d+== (?P<vg>valgrind-error)$)", re.M)

# Lines quoted from a report: enough for its first stacks.
QUOTED = 40
# Of a long stderr file only its head and tail are read: a report ends the
# program (halt_on_error) or comes at exit (leaks), so it is near the end.
READ = 8 << 20


def find(data):
    """(what, excerpt) of the first report in data (bytes), or None."""
    m = HEADERS.search(data)
    if m is None:
        return None
    if m.group("vg"):
        # The error's first line comes right after the begin marker.
        rest = data[m.end():].lstrip(b"\n").split(b"\n", 1)[0]
        what = "valgrind: " + re.sub(rb"^==\d+== ", b"", rest).decode(errors="replace").strip()
    else:
        what = next(g for g in m.groups() if g).decode(errors="replace").strip()
        if m.group("ubsan"):
            what = "UndefinedBehaviorSanitizer: " + what
    # Start at the line of ='s ASan and TSan print above their header.
    start = data.rfind(b"\n", 0, max(0, m.start() - 1)) + 1
    if not re.match(rb"=+\n", data[start:m.start()]):
        start = m.start()
    lines = data[start:].decode(errors="replace").splitlines()
    excerpt = "\n".join(lines[:QUOTED])
    if len(lines) > QUOTED:
        excerpt += f"\n[... {len(lines) - QUOTED} more lines]"
    return what, excerpt


def scan_file(path):
    """find() on a stderr log file (its head and tail when it is large)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(0)
            if size <= 2 * READ:
                return find(f.read())
            head = f.read(READ)
            f.seek(size - READ)
            return find(head) or find(f.read())
    except OSError:
        return None


def message(who, what, excerpt):
    """The failure message of a test whose program printed a report."""
    return (f"{who}: {what}\n(a sanitizer or valgrind report on its stderr fails the test, "
            f"whatever else it did; the report:)\n" + excerpt)
