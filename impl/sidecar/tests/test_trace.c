/* Unit tests for trace.c: traceparent values the W3C grammar accepts and
 * the many it does not, formatting, and the random ids. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "trace.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define PID "00f067aa0ba902b7"

static int parse(const char *s, struct trace_parent *t)
{
    return trace_parse(s, strlen(s), t);
}

/* REQ: SIDECAR-012 */
static void test_valid_version_00(void **state)
{
    struct trace_parent t;
    char hex[33];

    (void)state;
    assert_int_equal(parse("00-" TID "-" PID "-01", &t), 0);
    assert_int_equal(t.version, 0);
    trace_hex(t.trace_id, TRACE_ID_BYTES, hex);
    assert_string_equal(hex, TID);
    trace_hex(t.parent_id, TRACE_SPAN_BYTES, hex);
    assert_string_equal(hex, PID);
    assert_int_equal(t.flags, 0x01);
    assert_int_equal(parse("00-" TID "-" PID "-00", &t), 0);
    assert_int_equal(t.flags, 0x00);
    /* Flag bits this code does not know are still a valid value. */
    assert_int_equal(parse("00-" TID "-" PID "-ff", &t), 0);
    assert_int_equal(t.flags, 0xff);
}

/* REQ: SIDECAR-016 */
static void test_invalid_values(void **state)
{
    static const char *const bad[] = {
        "",
        "0",
        "00",
        "00-",
        "00-" TID "-" PID,                                /* no flags */
        "00-" TID "-" PID "-0",                           /* one flag digit */
        "00-" TID "-" PID "-01-",                         /* 00 has nothing after */
        "00-" TID "-" PID "-01-what-the-future-holds",    /* ... even a field */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" PID "-01", /* upper case trace-id */
        "00-" TID "-00F067AA0BA902B7-01",                 /* upper case parent-id */
        "00-" TID "-" PID "-0A",                          /* upper case flags */
        "0A-" TID "-" PID "-01",                          /* upper case version */
        "00-00000000000000000000000000000000-" PID "-01", /* all-zero trace-id */
        "00-" TID "-0000000000000000-01",                 /* all-zero parent-id */
        "ff-" TID "-" PID "-01",                          /* forbidden version */
        "ff-" TID "-" PID "-01-x",
        "00-" TID "0-" PID "-01",                        /* trace-id too long */
        "00-4bf92f3577b34da6a3ce929d0e0e473-" PID "-01", /* ... too short */
        "00-" TID "-00f067aa0ba902b-01",                 /* parent-id short */
        "00_" TID "-" PID "-01",                         /* wrong separators */
        "00-" TID "_" PID "-01",
        "00-" TID "-" PID "_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-" PID "-01", /* non-hex */
        "00-" TID "-00f067aa0ba902bz-01",
        "00-" TID "-" PID "-0g",
        "x0-" TID "-" PID "-01",
        " 00-" TID "-" PID "-01", /* spaces are not trimmed here */
        "00-" TID "-" PID "-01 ",
        "00-" TID "-" PID "-01, 00-" TID "-" PID "-01", /* two fields joined */
    };
    struct trace_parent t;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &t) != -EINVAL)
            fail_msg("accepted invalid traceparent '%s'", bad[i]);
    }
}

/* REQ: SIDECAR-018 */
static void test_higher_versions(void **state)
{
    struct trace_parent t;
    char hex[33];

    (void)state;
    /* Exactly the version-00 fields, or followed by a dash and more. */
    assert_int_equal(parse("01-" TID "-" PID "-01", &t), 0);
    assert_int_equal(t.version, 1);
    assert_int_equal(parse("cc-" TID "-" PID "-01-what-the-future-holds", &t), 0);
    assert_int_equal(t.version, 0xcc);
    trace_hex(t.trace_id, TRACE_ID_BYTES, hex);
    assert_string_equal(hex, TID);
    assert_int_equal(t.flags, 1);
    assert_int_equal(parse("fe-" TID "-" PID "-00-", &t), 0);
    /* Not a dash after the flags, too short, or invalid fields. */
    assert_int_equal(parse("cc-" TID "-" PID "-01.what-the-future-holds", &t), -EINVAL);
    assert_int_equal(parse("cc-" TID "-" PID "-0", &t), -EINVAL);
    assert_int_equal(parse("cc-" TID "-" PID, &t), -EINVAL);
    assert_int_equal(parse("cc-00000000000000000000000000000000-" PID "-01-x", &t), -EINVAL);
    assert_int_equal(parse("cc-" TID "-" PID "-0X-x", &t), -EINVAL);
}

/* A length is given, so the value need not end in a NUL: the parser reads
 * a field straight out of the request buffer. */
static void test_not_nul_terminated(void **state)
{
    const char *s = "00-" TID "-" PID "-01-and-more";
    struct trace_parent t;

    (void)state;
    assert_int_equal(trace_parse(s, TRACE_PARENT_LEN, &t), 0);
    assert_int_equal(trace_parse(s, TRACE_PARENT_LEN + 1, &t), -EINVAL);
}

/* REQ: SIDECAR-010 */
static void test_format_round_trip(void **state)
{
    struct trace_parent t, back;
    char out[TRACE_PARENT_LEN + 1];

    (void)state;
    assert_int_equal(parse("00-" TID "-" PID "-03", &t), 0);
    assert_int_equal(trace_format(t.trace_id, t.parent_id, t.flags, out), TRACE_PARENT_LEN);
    assert_string_equal(out, "00-" TID "-" PID "-03");
    assert_int_equal(strlen(out), TRACE_PARENT_LEN);
    assert_int_equal(parse(out, &back), 0);
    assert_memory_equal(&t, &back, sizeof(t));
}

/* REQ: SIDECAR-013 */
/* REQ: SIDECAR-015 */
static void test_random_ids_differ_and_are_never_zero(void **state)
{
    static uint8_t ids[2000][TRACE_SPAN_BYTES];
    struct trace_rng rng;
    uint8_t zero[TRACE_ID_BYTES] = {0};
    uint8_t big[TRACE_ID_BYTES];

    (void)state;
    trace_rng_init(&rng);
    /* Many draws: the pool is refilled several times on the way. */
    for (size_t i = 0; i < 2000; i++) {
        assert_int_equal(trace_random_id(&rng, ids[i], TRACE_SPAN_BYTES), 0);
        assert_memory_not_equal(ids[i], zero, TRACE_SPAN_BYTES);
        if (i > 0)
            assert_memory_not_equal(ids[i], ids[i - 1], TRACE_SPAN_BYTES);
    }
    for (size_t i = 0; i < 2000; i++) {
        for (size_t j = i + 1; j < 2000; j++)
            assert_memory_not_equal(ids[i], ids[j], TRACE_SPAN_BYTES);
    }
    assert_int_equal(trace_random_id(&rng, big, TRACE_ID_BYTES), 0);
    assert_memory_not_equal(big, zero, TRACE_ID_BYTES);
    assert_int_equal(trace_random(&rng, big, sizeof(rng.pool) + 1), -EINVAL);
}

static void test_hex(void **state)
{
    const uint8_t b[] = {0x00, 0x0f, 0xa0, 0xff};
    char out[9];

    (void)state;
    trace_hex(b, sizeof(b), out);
    assert_string_equal(out, "000fa0ff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_version_00),
        cmocka_unit_test(test_invalid_values),
        cmocka_unit_test(test_higher_versions),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_random_ids_differ_and_are_never_zero),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
