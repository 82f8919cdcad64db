/* Unit tests for parsing /proc/PID/stat and /proc/PID/status: ordinary
 * lines as the kernel writes them, command names built to fool a parser
 * that splits on spaces or stops at the first ')', kernel threads,
 * zombies, and texts that are not of the expected shape. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procfs.h"

/* A stat line with everything after the name given as in proc(5):
 * state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
 * cmajflt utime stime cutime cstime priority nice num_threads ... */
static int parse(const char *text, struct procfs_stat *st)
{
    return procfs_parse_stat(text, strlen(text), st);
}

static void assert_comm(const struct procfs_stat *st, const char *want)
{
    assert_int_equal(st->comm_len, strlen(want));
    assert_memory_equal(st->comm, want, st->comm_len);
}

static void test_ordinary(void **state)
{
    struct procfs_stat st;

    (void)state;
    assert_int_equal(parse("1234 (sleep) S 1200 1234 1100 34816 1234 4194304 109 0 0 0 0 0 0 0 "
                           "20 0 1 0 4416 8331264 220 18446744073709551615 1 1 0 0 0 0 0 0 0 0 "
                           "0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                           &st),
                     0);
    assert_int_equal(st.pid, 1234);
    assert_comm(&st, "sleep");
    assert_int_equal(st.state, 'S');
    assert_int_equal(st.ppid, 1200);
    assert_int_equal(st.pgrp, 1234);
    assert_int_equal(st.session, 1100);
    assert_int_equal(st.tpgid, 1234);
    assert_int_equal(st.flags, 4194304);
    assert_int_equal(st.nice, 0);
    assert_int_equal(st.num_threads, 1);
}

/* The name is whatever the process called itself: spaces, parentheses,
 * a ") S (" that looks like the start of the fields. Only the last ')'
 * ends it. */
static void test_tricky_names(void **state)
{
    static const char *names[] = {
        "a) S (b",
        "a b c",
        ")",
        "(",
        "()",
        "))((",
        "x) Z 1 1 1 0 -1 0 (y",
        "tab\there",
        "nl\nname",
        "caf\xc3\xa9",
        "\xff\xfe",
        " lead",
        "trail ",
        "",
    };
    struct procfs_stat st;
    char line[256];

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(line, sizeof(line),
                 "77 (%s) R 5 77 77 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 9 0 0\n", names[i]);
        assert_int_equal(parse(line, &st), 0);
        assert_int_equal(st.pid, 77);
        assert_comm(&st, names[i]);
        assert_int_equal(st.state, 'R');
        assert_int_equal(st.ppid, 5);
        assert_int_equal(st.tpgid, -1);
        assert_int_equal(st.num_threads, 3);
    }
}

static void test_kernel_thread_and_zombie(void **state)
{
    struct procfs_stat st;

    (void)state;
    /* kworker names carry the workqueue: longer than the 15 bytes of an
     * ordinary comm. */
    assert_int_equal(parse("12 (kworker/u8:2-events_unbound) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 "
                           "0 20 0 1 0 21 0 0\n",
                           &st),
                     0);
    assert_comm(&st, "kworker/u8:2-events_unbound");
    assert_int_equal(st.state, 'I');
    assert_int_equal(st.ppid, 2);
    assert_true(st.flags & 0x00200000); /* PF_KTHREAD */

    assert_int_equal(parse("999 (defunct one) Z 1 999 999 0 -1 4227148 0 0 0 0 0 0 0 0 20 -5 1 0 "
                           "1 0 0\n",
                           &st),
                     0);
    assert_comm(&st, "defunct one");
    assert_int_equal(st.state, 'Z');
    assert_int_equal(st.nice, -5);
}

static void test_malformed(void **state)
{
    static const char *bad[] = {
        "",
        "1234",
        "1234 sleep S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",    /* no parentheses */
        "1234 (sleep S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",   /* no ')' */
        "(sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",       /* no pid */
        "x12 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",   /* pid not a number */
        "0 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",     /* pid 0 */
        "1234(sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",   /* no space before '(' */
        "1234 (sleep)S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",   /* no space after ')' */
        "1234 (sleep) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n", /* two-letter state */
        "1234 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0\n",    /* num_threads missing */
        "1234 (sleep) S 1 x 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1\n",  /* pgrp not a number */
        "1234 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 - 1\n",  /* a lone '-' */
        "1234 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1x\n", /* junk after a number */
        "1234 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 99999999999999999999\n", /* overflow */
        "1234 (sleep) S",
        "1234 (sleep)",
    };
    struct procfs_stat st;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &st) != -EINVAL)
            fail_msg("accepted: \"%s\"", bad[i]);
    }
}

/* The parser takes a length, not a C string: a NUL inside, or bytes after
 * the length, are not read as text. */
static void test_length_bounded(void **state)
{
    static const char text[] = "5 (a\0b) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 JUNK";
    struct procfs_stat st;

    (void)state;
    assert_int_equal(procfs_parse_stat(text, sizeof(text) - 1 - 5, &st), 0);
    assert_int_equal(st.comm_len, 3);
    assert_memory_equal(st.comm, "a\0b", 3);
    assert_int_equal(st.num_threads, 2);
    /* Cut inside the last field: "2" is gone, so a field is missing. */
    assert_int_equal(procfs_parse_stat(text, sizeof(text) - 1 - 7, &st), -EINVAL);
}

static void test_status_number(void **state)
{
    static const char status[] = "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\n"
                                 "VmLckX:\t7 kB\nVmPin:\t0 kB\nVmLck:\t    2312 kB\n"
                                 "Threads:\t1\nBad:\tabc\n";
    long long v = -1;

    (void)state;
    assert_int_equal(procfs_status_number(status, strlen(status), "VmLck", &v), 0);
    assert_int_equal(v, 2312);
    assert_int_equal(procfs_status_number(status, strlen(status), "Threads", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(procfs_status_number(status, strlen(status), "VmSwap", &v), -ENOENT);
    assert_int_equal(procfs_status_number(status, strlen(status), "Bad", &v), -EINVAL);
    /* A key is a whole key: "Vm" is not "VmLck", "Lck" does not match. */
    assert_int_equal(procfs_status_number(status, strlen(status), "Vm", &v), -ENOENT);
    assert_int_equal(procfs_status_number(status, strlen(status), "Lck", &v), -ENOENT);
    /* The last line need not end with a newline. */
    assert_int_equal(procfs_status_number("VmLck:\t5 kB", 11, "VmLck", &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(procfs_status_number("", 0, "VmLck", &v), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary),
        cmocka_unit_test(test_tricky_names),
        cmocka_unit_test(test_kernel_thread_and_zombie),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_length_bounded),
        cmocka_unit_test(test_status_number),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
