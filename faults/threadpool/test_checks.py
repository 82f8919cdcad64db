"""threadpool faults: the cmocka checks of faults/threadpool/check_*.c
(allocations and pthread_create failing inside the pool), compiled with the
implementation under test (--impl-src) and run one by one."""
from osnet_harness.libcheck import checks_of
test_checks = checks_of(__file__)
