"""make sanitize's way of failing a test on a sanitizer or valgrind report
(osnet_harness/sanreport.py, read by the plugin after each test).

The programs are made on the spot so that the report is the only thing
wrong with them: a cat and an echo server that do their job but lose a
block of memory (LeakSanitizer reports it at exit; under AddressSanitizer
a leak's exit status is 1, which is what CAT-002 expects of an unknown
option anyway, and a server's exit status after SIGTERM is not what
ECHO-001 checks). The test of each then passes on its own, and only the
report can fail it. One cheap requirement each (about a second).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from osnet_harness.timeouts import T

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "conformance"))
from osnet_harness import sanreport  # noqa: E402

OSNET = ["/usr/bin/python3", str(ROOT / "tools" / "osnet")]
ENV = dict(os.environ, OSNET_NO_DEPS="1", OSNET_NO_BUILD="1",
           ASAN_OPTIONS="detect_leaks=1:halt_on_error=1")

# A cat whose only flaw is the block it loses before it refuses an option.
LEAKY_CAT = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static char *volatile lost;
int main(int argc, char **argv)
{
    lost = malloc(100);
    if (lost)
        strcpy(lost, "forgotten");
    lost = NULL;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
        fprintf(stderr, "leaky-cat: invalid option -- '%s'\n", argv[1] + 1);
        return 1;
    }
    return 0;
}
"""

# An echo server, one client at a time, that loses a block when SIGTERM ends it.
LEAKY_ECHO = r"""
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static volatile sig_atomic_t stop;
static char *volatile lost;
static void on_term(int sig) { (void)sig; stop = 1; }
int main(int argc, char **argv)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    struct sigaction sa = {.sa_handler = on_term};
    int one = 1, l, c;
    char buf[4096];
    ssize_t n;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host")) inet_pton(AF_INET, argv[i + 1], &a.sin_addr);
        if (!strcmp(argv[i], "--port")) a.sin_port = htons(atoi(argv[i + 1]));
    }
    sigaction(SIGTERM, &sa, NULL);
    l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 64))
        return 1;
    lost = malloc(100);
    while (!stop && (c = accept(l, NULL, NULL)) >= 0) {
        while ((n = read(c, buf, sizeof buf)) > 0)
            if (write(c, buf, n) != n)
                break;
        close(c);
    }
    lost = NULL;
    return 0;
}
"""


def build(tmp_path, name, source, *flags):
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    out = tmp_path / name
    r = subprocess.run([cc, "-O0", "-g", *flags, str(src), "-o", str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0 and flags:
        pytest.skip(f"cannot build with {' '.join(flags)}: {r.stderr[-300:]}")
    assert r.returncode == 0, r.stderr
    return out


def check(tmp_path, component, template, req):
    """osnet check on one requirement: (exit status, the row of req, output)."""
    report = tmp_path / "report.json"
    r = subprocess.run([*OSNET, "check", component, "--impl", template, "--suite",
                        "conformance", "--req", req, "--json", str(report)],
                       env=ENV, capture_output=True, text=True, timeout=T(300))
    rows = json.loads(report.read_text())[0]["requirements"]
    row = next(x for x in rows if x["id"] == req)
    return r.returncode, row, r.stdout + r.stderr


def messages(row):
    return "\n".join(t["message"] for t in row["tests"])


def test_asan_leak_in_a_command_line_tool_fails_its_test(tmp_path):
    prog = build(tmp_path, "leaky-cat", LEAKY_CAT, "-fsanitize=address")
    rc, row, out = check(tmp_path, "cat", str(prog), "CAT-002")
    assert rc == 1 and row["status"] == "FAIL", out
    msg = messages(row)
    assert "LeakSanitizer: detected memory leaks" in msg, out
    # The report's stack, with the line that allocated, is quoted.
    assert "leaky-cat.c" in msg, out
    assert "ERROR: LeakSanitizer" in out, "the scorecard shows the report"


def test_asan_leak_in_a_server_fails_its_test_with_its_stderr(tmp_path):
    prog = build(tmp_path, "leaky-echo", LEAKY_ECHO, "-fsanitize=address")
    rc, row, out = check(tmp_path, "echo", f"{prog} --host {{host}} --port {{port}}", "ECHO-001")
    assert rc == 1 and row["status"] == "FAIL", out
    assert "LeakSanitizer: detected memory leaks" in messages(row), out
    assert "leaky-echo.c" in messages(row), out


def test_valgrind_error_fails_the_test_even_with_the_expected_status(tmp_path):
    if not shutil.which("valgrind"):
        pytest.skip("valgrind is not installed")
    prog = build(tmp_path, "leaky-cat", LEAKY_CAT)
    # Without --error-exitcode the program's own status (1) is what the
    # test expects: only the report on stderr can fail it.
    vg = [a for a in sanreport.VALGRIND if not a.startswith("--error-exitcode")]
    rc, row, out = check(tmp_path, "cat", " ".join(vg + [str(prog)]), "CAT-002")
    assert rc == 1 and row["status"] == "FAIL", out
    msg = messages(row)
    assert "valgrind: 100 bytes in 1 blocks are definitely lost" in msg, out


def test_a_clean_program_passes(tmp_path):
    """The same cat without its leak: nothing on stderr but its message."""
    prog = build(tmp_path, "cat", LEAKY_CAT.replace("lost = NULL;", "free(lost);"),
                 "-fsanitize=address")
    rc, row, out = check(tmp_path, "cat", str(prog), "CAT-002")
    assert rc == 0 and row["status"] == "PASS", out


@pytest.mark.parametrize("text,what", [
    (b"x\n=================================================================\n"
     b"==12==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020 at pc\n"
     b"READ of size 1\n", "AddressSanitizer: heap-use-after-free on address 0x6020 at pc"),
    (b"\n=================================================================\n"
     b"==7==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 100 byte(s)\n",
     "LeakSanitizer: detected memory leaks"),
    (b"log line\nimpl/x.c:12:5: runtime error: signed integer overflow: 1 + 2147483647\n",
     "UndefinedBehaviorSanitizer: impl/x.c:12:5: runtime error: signed integer overflow: "
     "1 + 2147483647"),
    (b"==================\nWARNING: ThreadSanitizer: data race (pid=5)\n  Write of size 4\n",
     "ThreadSanitizer: data race (pid=5)"),
    (b"==9== valgrind-error\n==9== Invalid read of size 1\n==9==    at 0x1: main (a.c:3)\n",
     "valgrind: Invalid read of size 1"),
])
def test_report_headers_are_found(text, what):
    found = sanreport.find(text)
    assert found is not None and found[0] == what, found


@pytest.mark.parametrize("text", [
    b"", b"GET /a: runtime error: b HTTP/1.1\n", b"ERROR: AddressSanitizer is a word\n",
    b"==9== Invalid read of size 1 (valgrind without markers is not ours)\n",
    b"http: warn: WARNING: ThreadSanitizer: in the middle of a line\n",
])
def test_ordinary_stderr_is_no_report(text):
    assert sanreport.find(text) is None
