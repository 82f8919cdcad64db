/* Unit tests for listing a /proc-like directory and reading its files:
 * numeric entries only, sorted, across many getdents64 calls; files
 * read whole whatever their size, within the buffer's bound; and the real
 * /proc, where this test's own process must be found. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "tests/tmpdir.h"

static void touch(struct tmpdir *t, const char *name)
{
    int fd = openat(t->fd, name, O_WRONLY | O_CREAT, 0644);

    assert_true(fd >= 0);
    close(fd);
}

static void test_list_numeric_only_sorted(void **state)
{
    static const char *names[] = {"300", "self", "7",          "thread-self", "0012",
                                  "12a", "1x",   "2147483647", "2147483648",  "99999999999",
                                  "5",   "-3",   "+4"};
    struct tmpdir *t = *state;
    int *v;
    size_t n;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        touch(t, names[i]);
    assert_int_equal(mkdirat(t->fd, "42", 0755), 0);
    assert_int_equal(procfs_list_numeric(t->fd, &v, &n), 0);
    /* "0012" is 12: names are numbers, as in /proc/PID/fd. Too big for an
     * int, signed or with other characters: not entries we want. */
    assert_int_equal(n, 6);
    assert_int_equal(v[0], 5);
    assert_int_equal(v[1], 7);
    assert_int_equal(v[2], 12);
    assert_int_equal(v[3], 42);
    assert_int_equal(v[4], 300);
    assert_int_equal(v[5], 2147483647);
    free(v);

    /* The same descriptor lists again (the offset is rewound), and still
     * works for openat. */
    assert_int_equal(procfs_list_numeric(t->fd, &v, &n), 0);
    assert_int_equal(n, 6);
    free(v);
}

static void test_list_empty(void **state)
{
    struct tmpdir *t = *state;
    int *v = (int *)&v;
    size_t n = 99;

    assert_int_equal(procfs_list_numeric(t->fd, &v, &n), 0);
    assert_int_equal(n, 0);
    assert_null(v);
}

/* More entries than one getdents64 call returns (32 KiB: about a thousand
 * names), created in an order that is not sorted. */
static void test_list_many(void **state)
{
    struct tmpdir *t = *state;
    enum { COUNT = 5000 };
    char name[16];
    int *v;
    size_t n;

    for (int i = 0; i < COUNT; i++) {
        snprintf(name, sizeof(name), "%d", (i * 7919) % COUNT + 1);
        touch(t, name);
    }
    assert_int_equal(procfs_list_numeric(t->fd, &v, &n), 0);
    assert_int_equal(n, COUNT);
    for (int i = 0; i < COUNT; i++)
        assert_int_equal(v[i], i + 1);
    free(v);
}

static void test_list_not_a_directory(void **state)
{
    struct tmpdir *t = *state;
    int fd, *v;
    size_t n;

    touch(t, "file");
    fd = openat(t->fd, "file", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(procfs_list_numeric(fd, &v, &n), -ENOTDIR);
    close(fd);
}

static void write_file(struct tmpdir *t, const char *name, const char *data, size_t len)
{
    int fd = openat(t->fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void test_read_at_sizes(void **state)
{
    size_t sizes[] = {0,
                      1,
                      PROCFS_READ_CHUNK - 1,
                      PROCFS_READ_CHUNK,
                      PROCFS_READ_CHUNK + 1,
                      5 * PROCFS_READ_CHUNK + 17};
    struct tmpdir *t = *state;
    struct buf b;

    buf_init(&b, PROCFS_FILE_MAX);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char *data = malloc(sizes[k] + 1);

        assert_non_null(data);
        for (size_t i = 0; i < sizes[k]; i++)
            data[i] = (char)(i * 31 + k);
        write_file(t, "f", data, sizes[k]);
        assert_int_equal(procfs_read_at(t->fd, "f", &b), 0);
        assert_int_equal(buf_len(&b), sizes[k]);
        if (sizes[k] > 0)
            assert_memory_equal(buf_peek(&b), data, sizes[k]);
        free(data);
    }
    buf_free(&b);
}

/* The buffer's bound: a file of exactly max bytes fits, one more does not. */
static void test_read_at_bound(void **state)
{
    struct tmpdir *t = *state;
    char data[101];
    struct buf b;

    memset(data, 'x', sizeof(data));
    buf_init(&b, 100);
    write_file(t, "f", data, 100);
    assert_int_equal(procfs_read_at(t->fd, "f", &b), 0);
    assert_int_equal(buf_len(&b), 100);
    write_file(t, "f", data, 101);
    assert_int_equal(procfs_read_at(t->fd, "f", &b), -EFBIG);
    assert_int_equal(procfs_read_at(t->fd, "missing", &b), -ENOENT);
    assert_int_equal(buf_len(&b), 0);
    buf_free(&b);
}

/* The real thing: our own PID is listed, and our stat parses to it. */
static void test_real_proc(void **state)
{
    int proc = open("/proc", O_RDONLY | O_DIRECTORY), dir, *v, found = 0;
    struct procfs_stat st;
    char name[16];
    struct buf b;
    size_t n;

    (void)state;
    assert_true(proc >= 0);
    assert_int_equal(procfs_list_numeric(proc, &v, &n), 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(v[i - 1] < v[i]);
        found |= v[i] == getpid();
    }
    assert_true(found);
    free(v);

    snprintf(name, sizeof(name), "%d", getpid());
    dir = openat(proc, name, O_RDONLY | O_DIRECTORY);
    assert_true(dir >= 0);
    buf_init(&b, PROCFS_FILE_MAX);
    assert_int_equal(procfs_read_at(dir, "stat", &b), 0);
    assert_int_equal(procfs_parse_stat(buf_peek(&b), buf_len(&b), &st), 0);
    assert_int_equal(st.pid, getpid());
    assert_int_equal(st.ppid, getppid());
    assert_int_equal(st.state, 'R');
    assert_int_equal(procfs_read_at(dir, "cmdline", &b), 0);
    assert_true(buf_len(&b) > 0);
    buf_free(&b);
    close(dir);
    close(proc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_numeric_only_sorted, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_list_empty, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_list_many, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_list_not_a_directory, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_read_at_sizes, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_read_at_bound, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_real_proc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
