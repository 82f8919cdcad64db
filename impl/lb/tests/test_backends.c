/* Unit tests for the backend table: the three policies, rise and fall,
 * passive ejection with and without active checks. A fake clock: every
 * call takes the time in milliseconds. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "backends.h"

static const char *const names[] = {"a:1", "b:2", "c:3", "d:4"};

static void init(struct lb_table *t, unsigned n, enum lb_policy policy, bool checks)
{
    assert_int_equal(lb_table_init(t, names, n, policy, checks, 2, 3, 10000, 42), 0);
}

/* Chooses k times at time now and writes the indexes as letters. */
static void choose_seq(struct lb_table *t, unsigned k, uint64_t now, char *out)
{
    for (unsigned j = 0; j < k; j++) {
        int i = lb_choose(t, 0, now);

        out[j] = i < 0 ? '-' : (char)('a' + i);
    }
    out[k] = '\0';
}

static void test_init_rejects_bad_config(void **state)
{
    struct lb_table t;

    (void)state;
    assert_int_equal(lb_table_init(&t, names, 0, LB_ROUND_ROBIN, false, 2, 3, 0, 1), -EINVAL);
    assert_int_equal(
        lb_table_init(&t, names, LB_MAX_BACKENDS + 1, LB_ROUND_ROBIN, false, 2, 3, 0, 1), -EINVAL);
    assert_int_equal(lb_table_init(&t, names, 2, LB_ROUND_ROBIN, false, 0, 3, 0, 1), -EINVAL);
    assert_int_equal(lb_table_init(&t, names, 2, LB_ROUND_ROBIN, false, 2, 0, 0, 1), -EINVAL);
    assert_int_equal(lb_table_init(&t, names, 2, (enum lb_policy)7, false, 2, 3, 0, 1), -EINVAL);
}

static void test_policy_names(void **state)
{
    (void)state;
    assert_int_equal(lb_policy_parse("round-robin"), LB_ROUND_ROBIN);
    assert_int_equal(lb_policy_parse("random"), LB_RANDOM);
    assert_int_equal(lb_policy_parse("least-conn"), LB_LEAST_CONN);
    assert_int_equal(lb_policy_parse("roundrobin"), -EINVAL);
    assert_int_equal(lb_policy_parse(""), -EINVAL);
    assert_string_equal(lb_policy_name(LB_LEAST_CONN), "least-conn");
}

/* REQ: LB-003 */
static void test_round_robin_cycles_in_order(void **state)
{
    struct lb_table t;
    char seq[16];

    (void)state;
    init(&t, 3, LB_ROUND_ROBIN, false);
    choose_seq(&t, 7, 0, seq);
    assert_string_equal(seq, "abcabca");
    assert_int_equal(t.b[0].requests, 3);
    assert_int_equal(t.b[1].requests, 2);
}

/* REQ: LB-003 */
/* REQ: LB-009 */
/* REQ: LB-010 */
static void test_round_robin_skips_down_and_resumes(void **state)
{
    struct lb_table t;
    char seq[16];

    (void)state;
    init(&t, 3, LB_ROUND_ROBIN, true);
    choose_seq(&t, 1, 0, seq); /* a; next is b */
    for (int k = 0; k < 3; k++)
        lb_check_result(&t, 1, false);
    choose_seq(&t, 4, 0, seq);
    assert_string_equal(seq, "caca");
    lb_check_result(&t, 1, true);
    lb_check_result(&t, 1, true);
    /* Back in its place in the cycle, not at the front. */
    choose_seq(&t, 6, 0, seq);
    assert_string_equal(seq, "bcabca");
}

static void test_choose_skips_tried(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 3, LB_ROUND_ROBIN, false);
    assert_int_equal(lb_choose(&t, 0, 0), 0);
    /* b failed this request: the retry goes to c, and the cycle goes on
     * after c. */
    assert_int_equal(lb_choose(&t, 1u << 1, 0), 2);
    assert_int_equal(lb_choose(&t, 0, 0), 0);
    assert_int_equal(lb_choose(&t, 0x7, 0), -1);
}

/* REQ: LB-011 */
static void test_all_down_gives_none(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 2, LB_RANDOM, true);
    for (int k = 0; k < 3; k++) {
        lb_check_result(&t, 0, false);
        lb_check_result(&t, 1, false);
    }
    assert_int_equal(lb_choose(&t, 0, 0), -1);
    assert_int_equal(lb_count_available(&t, 0), 0);
    assert_int_equal(t.b[0].requests + t.b[1].requests, 0);
}

/* REQ: LB-004 */
/* REQ: LB-005 */
static void test_random_uniform_among_up(void **state)
{
    struct lb_table t;
    unsigned count[4] = {0};
    const unsigned draws = 40000;

    (void)state;
    init(&t, 4, LB_RANDOM, true);
    for (int k = 0; k < 3; k++)
        lb_check_result(&t, 2, false);
    for (unsigned k = 0; k < draws; k++) {
        int i = lb_choose(&t, 0, 0);

        assert_true(i >= 0 && i < 4);
        count[i]++;
    }
    assert_int_equal(count[2], 0);
    /* Each of the three gets a third: 13333, standard deviation about 94;
     * 10 sigma of slack makes a false alarm impossible in practice and
     * still catches a policy that favours one backend. */
    for (unsigned i = 0; i < 4; i++)
        if (i != 2)
            assert_in_range(count[i], draws / 3 - 1000, draws / 3 + 1000);
}

/* REQ: LB-006 */
static void test_least_conn_picks_fewest_in_flight(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 3, LB_LEAST_CONN, false);
    lb_begin(&t, 0);
    lb_begin(&t, 0);
    lb_begin(&t, 1);
    assert_int_equal(lb_choose(&t, 0, 0), 2);
    lb_begin(&t, 2);
    /* b and c have one each, a two: b, then (b in flight) c. */
    assert_int_equal(lb_choose(&t, 0, 0), 1);
    lb_begin(&t, 1);
    assert_int_equal(lb_choose(&t, 0, 0), 2);
    lb_end(&t, 0);
    lb_end(&t, 0);
    assert_int_equal(lb_choose(&t, 0, 0), 0);
    assert_int_equal(t.b[1].active, 2);
    lb_end(&t, 1);
    lb_end(&t, 1);
    lb_end(&t, 1); /* one end too many must not wrap around */
    assert_int_equal(t.b[1].active, 0);
}

/* REQ: LB-007 */
static void test_least_conn_ties_round_robin(void **state)
{
    struct lb_table t;
    char seq[16];

    (void)state;
    init(&t, 3, LB_LEAST_CONN, false);
    /* Nothing in flight (each request ends before the next): all tie. */
    choose_seq(&t, 7, 0, seq);
    assert_string_equal(seq, "abcabca");
}

/* REQ: LB-009 */
/* REQ: LB-010 */
/* REQ: LB-017 */
static void test_fall_and_rise(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 2, LB_ROUND_ROBIN, true); /* rise 2, fall 3 */
    assert_int_equal(lb_check_result(&t, 0, false), LB_SAME);
    assert_int_equal(lb_check_result(&t, 0, false), LB_SAME);
    /* A pass in between starts the count again. */
    assert_int_equal(lb_check_result(&t, 0, true), LB_SAME);
    assert_int_equal(lb_check_result(&t, 0, false), LB_SAME);
    assert_int_equal(lb_check_result(&t, 0, false), LB_SAME);
    assert_true(lb_available(&t, 0, 0));
    assert_int_equal(lb_check_result(&t, 0, false), LB_WENT_DOWN);
    assert_false(lb_available(&t, 0, 0));
    assert_int_equal(lb_check_result(&t, 0, false), LB_SAME);
    assert_int_equal(lb_check_result(&t, 0, true), LB_SAME);
    assert_int_equal(lb_check_result(&t, 0, false), LB_SAME);
    assert_int_equal(lb_check_result(&t, 0, true), LB_SAME);
    assert_false(lb_available(&t, 0, 0));
    assert_int_equal(lb_check_result(&t, 0, true), LB_CAME_UP);
    assert_true(lb_available(&t, 0, 0));
    assert_int_equal(lb_check_result(&t, 0, true), LB_SAME);
    assert_true(lb_available(&t, 1, 0));
    /* Every failed check counts in the status page's "failures". */
    assert_int_equal(t.b[0].failures, 7);
    assert_int_equal(t.b[1].failures, 0);
}

/* REQ: LB-013 */
static void test_eject_until_deadline_without_checks(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 2, LB_ROUND_ROBIN, false); /* eject 10 s */
    assert_int_equal(lb_choose(&t, 0, 5000), 0);
    assert_int_equal(lb_connect_failed(&t, 0, 5000), LB_WENT_DOWN);
    assert_int_equal(t.b[0].failures, 1);
    /* The request never reached it: not counted in its requests. */
    assert_int_equal(t.b[0].requests, 0);
    assert_false(lb_available(&t, 0, 5000));
    assert_false(lb_available(&t, 0, 14999));
    assert_int_equal(lb_choose(&t, 0, 14999), 1);
    assert_int_equal(lb_choose(&t, 0, 14999), 1);
    /* Another connect, started before the ejection, failing while it is
     * out is no new transition; the --eject-time counts from the last
     * failure. */
    assert_int_equal(lb_connect_failed(&t, 0, 6000), LB_SAME);
    assert_int_equal(t.b[0].failures, 2);
    assert_false(lb_available(&t, 0, 15999));
    assert_true(lb_available(&t, 0, 16000));
    assert_int_equal(lb_choose(&t, 0, 16000), 0);
    assert_int_equal(t.b[0].requests, 1);
}

/* REQ: LB-010 */
static void test_eject_with_checks_needs_rise(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 2, LB_ROUND_ROBIN, true); /* rise 2 */
    assert_int_equal(lb_check_result(&t, 0, true), LB_SAME);
    assert_int_equal(lb_connect_failed(&t, 0, 1000), LB_WENT_DOWN);
    /* No deadline: still out long after --eject-time... */
    assert_false(lb_available(&t, 0, 1000000));
    /* ...until rise passes counted after the failure. */
    assert_int_equal(lb_check_result(&t, 0, true), LB_SAME);
    assert_false(lb_available(&t, 0, 1000000));
    assert_int_equal(lb_check_result(&t, 0, true), LB_CAME_UP);
    assert_true(lb_available(&t, 0, 1000000));
}

static void test_upstream_failure_counts_only(void **state)
{
    struct lb_table t;

    (void)state;
    init(&t, 1, LB_ROUND_ROBIN, false);
    lb_upstream_failed(&t, 0);
    assert_int_equal(t.b[0].failures, 1);
    assert_true(lb_available(&t, 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_bad_config),
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test(test_round_robin_cycles_in_order),
        cmocka_unit_test(test_round_robin_skips_down_and_resumes),
        cmocka_unit_test(test_choose_skips_tried),
        cmocka_unit_test(test_all_down_gives_none),
        cmocka_unit_test(test_random_uniform_among_up),
        cmocka_unit_test(test_least_conn_picks_fewest_in_flight),
        cmocka_unit_test(test_least_conn_ties_round_robin),
        cmocka_unit_test(test_fall_and_rise),
        cmocka_unit_test(test_eject_until_deadline_without_checks),
        cmocka_unit_test(test_eject_with_checks_needs_rise),
        cmocka_unit_test(test_upstream_failure_counts_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
