"""mempool: the cmocka fault checks of faults/mempool/check_*.c (create's
memory failing), compiled with the implementation under test
(--impl-src) and run one by one."""
from osnet_harness.libcheck import checks_of
test_checks = checks_of(__file__)
