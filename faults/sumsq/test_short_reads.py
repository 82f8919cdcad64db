"""Short reads on the workers' pipe (specs/sumsq.md, SUMSQ-014): every
read() on a pipe returns at most half of what was asked (the shim's
osnet/pipe/read/short point under libfiu). The sum must still be exact."""
import pytest

from inject import Fiu
from sumsq.sumsq_util import check_sum

POINT = "osnet/pipe/read/short"


@pytest.mark.req("SUMSQ-014")
def test_sum_exact_with_short_pipe_reads(cli, workdir):
    fiu = Fiu(workdir, enable=[f"enable name={POINT}"])
    try:
        wrap = fiu.wrap()
    except RuntimeError as e:
        pytest.skip(str(e))
    for k, n in ((1, 10), (3, 10_000), (8, 10_000_000), (64, 1000)):
        check_sum(cli, "proc", k, n, wrap=wrap)
    if POINT.replace("/", "_") not in fiu.fired():
        pytest.skip(f"{POINT} never fired: the program does not read its pipe with libc's "
                    "read() (statically linked, stdio, or another call)")
