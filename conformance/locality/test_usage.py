"""Bad command lines (specs/locality.md, LOC-006): exit status 2, a message
on stderr, nothing on stdout. Each case is a short run's command line with
one thing wrong, so a program that accepts it by mistake still ends fast."""
import pytest

from locality.loc_util import small

BAD_SIZES = ["3K", "5000", "0", "512", "128G", "abc", "4X", "-4K", "1.5K", "4K4", "0x1000",
             "4 K", ""]

BAD = (
    [small() + ["--bogus"], small() + ["extra"], small() + ["-x"],
     small(time=None) + ["--time"], small(min_size=None) + ["--min-size"]]
    # --max-size 8K: a bad --min-size must not be refused only for being
    # above --max-size (3K and 5000 would be, with 2K).
    + [small(min_size=v, max_size="8K") for v in BAD_SIZES]
    + [small(max_size=v) for v in ("3K", "0", "128G", "abc", "1.5K", "")]
    + [small(min_size="8K", max_size="4K"), small(min_size="2K", max_size="1K")]
    + [small(max_stride=v) for v in ("0", "1025", "-1", "abc", "")]
    + [small(time=v) for v in ("0", "60001", "1.5", "abc")]
    + [small(reps=v) for v in ("0", "abc")]
)


@pytest.mark.req("LOC-006")
def test_usage_errors_exit_2(cli):
    cli.assert_usage_errors(BAD)
