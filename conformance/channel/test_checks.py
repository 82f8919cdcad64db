"""channel: the cmocka checks of conformance/channel/check_*.c, compiled
with the implementation under test (--impl-src) and run one by one."""
from osnet_harness.libcheck import checks_of
test_checks = checks_of(__file__)
