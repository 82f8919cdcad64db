/* Unit tests for log: level names, filtering, one line per call. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs fn with stderr redirected to a pipe and returns what it wrote. */
static void capture(void (*fn)(void), char *out, size_t outlen)
{
    int fds[2], saved;
    ssize_t n;

    assert_int_equal(pipe(fds), 0);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
    fn();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(fds[1]);
    n = read(fds[0], out, outlen - 1);
    close(fds[0]);
    out[n > 0 ? n : 0] = '\0';
}

static void test_parse_level(void **state)
{
    (void)state;
    assert_int_equal(log_parse_level("debug"), LOG_LEVEL_DEBUG);
    assert_int_equal(log_parse_level("INFO"), LOG_LEVEL_INFO);
    assert_int_equal(log_parse_level("warn"), LOG_LEVEL_WARN);
    assert_int_equal(log_parse_level("error"), LOG_LEVEL_ERROR);
    assert_int_equal(log_parse_level("loud"), -EINVAL);
    assert_int_equal(log_parse_level(""), -EINVAL);
}

static void test_init_reads_env(void **state)
{
    (void)state;
    assert_int_equal(setenv("OSNET_LOG", "debug", 1), 0);
    assert_int_equal(log_init("/usr/bin/tool"), 0);
    assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
    assert_int_equal(setenv("OSNET_LOG", "shouty", 1), 0);
    assert_int_equal(log_init("tool"), -EINVAL);
    assert_int_equal(unsetenv("OSNET_LOG"), 0);
}

static void emit_levels(void)
{
    log_debug("hidden %d", 1);
    log_info("shown %d", 2);
    log_error("also %s", "shown");
}

static void test_format_and_filter(void **state)
{
    char out[512];

    (void)state;
    log_init("/some/dir/tool");
    log_set_level(LOG_LEVEL_INFO);
    capture(emit_levels, out, sizeof(out));
    assert_string_equal(out, "tool: info: shown 2\ntool: error: also shown\n");
}

static void emit_long(void)
{
    char big[3000];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    errno = EAGAIN;
    log_warn("%s", big);
    /* log_msg must not clobber errno. */
    assert_int_equal(errno, EAGAIN);
}

static void test_long_line_is_cut(void **state)
{
    char out[4096];
    size_t len;

    (void)state;
    log_init("tool");
    capture(emit_long, out, sizeof(out));
    len = strlen(out);
    assert_true(len < 1024);
    assert_memory_equal(out, "tool: warn: xxx", 15);
    assert_string_equal(out + len - 4, "...\n");
    /* Exactly one line. */
    assert_ptr_equal(strchr(out, '\n'), out + len - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_level),
        cmocka_unit_test(test_init_reads_env),
        cmocka_unit_test(test_format_and_filter),
        cmocka_unit_test(test_long_line_is_cut),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
