/* Unit tests for reading one ps row, against a directory laid out like
 * /proc that each test builds in its own mkdtemp directory: ordinary
 * processes, kernel threads, zombies, every STAT letter, command lines
 * far longer than one read, processes that vanish between two files, and
 * files that are not what they should be. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "psrow.h"
#include "tests/tmpdir.h"

struct fake {
    struct tmpdir tmp; /* the fake /proc */
    struct ps_reader r;
};

static int fake_setup(void **state)
{
    struct fake *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    if (tmpdir_make(&f->tmp, "test_psrow") != 0)
        return -1;
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        return -1;
    ps_reader_init(&f->r, true);
    *state = f;
    return 0;
}

static int fake_teardown(void **state)
{
    struct fake *f = *state;
    int rc;

    ps_reader_free(&f->r);
    rc = tmpdir_remove(&f->tmp);
    free(f);
    return rc;
}

/* Writes PID/name (creating PID/) with len bytes of data. */
static void put(struct fake *f, int pid, const char *name, const void *data, size_t len)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%d", f->tmp.dir, pid);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%d/%s", f->tmp.dir, pid, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* A process: its stat after the name (state onwards), VmLck in kB (-1:
 * no such line, as for kernel threads), and its raw cmdline. */
static void put_proc(struct fake *f, int pid, const char *comm, const char *rest, long vmlck,
                     const void *cmdline, size_t cmdline_len)
{
    char stat[512], status[256];
    int n;

    n = snprintf(stat, sizeof(stat), "%d (%s) %s\n", pid, comm, rest);
    put(f, pid, "stat", stat, (size_t)n);
    if (vmlck >= 0)
        n = snprintf(status, sizeof(status), "Name:\t%s\nState:\tS\nVmLck:\t%8ld kB\nThreads:\t1\n",
                     comm, vmlck);
    else
        n = snprintf(status, sizeof(status), "Name:\t%s\nState:\tI\nThreads:\t1\n", comm);
    put(f, pid, "status", status, (size_t)n);
    put(f, pid, "cmdline", cmdline, cmdline_len);
}

/* "S ppid pgrp session tty tpgid flags" + zeros + "priority nice threads" */
static const char *rest_of(char *buf, size_t size, char state, int ppid, int pgrp, int session,
                           int tpgid, unsigned flags, int nice, int threads)
{
    snprintf(buf, size, "%c %d %d %d 0 %d %u 0 0 0 0 0 0 0 0 20 %d %d 0 100 0 0", state, ppid, pgrp,
             session, tpgid, flags, nice, threads);
    return buf;
}

static void read_ok(struct fake *f, int pid, struct ps_row *row)
{
    const char *failed = "unset";
    int rc = ps_row_read(&f->r, f->tmp.fd, pid, row, &failed);

    if (rc != 0)
        fail_msg("pid %d: %s (%s)", pid, strerror(-rc), failed != NULL ? failed : "");
    assert_null(failed);
}

static void assert_args(const struct ps_row *row, const char *want)
{
    if (row->args_len != strlen(want) || memcmp(row->args, want, row->args_len) != 0)
        fail_msg("ARGS \"%.*s\", want \"%s\"", (int)row->args_len, row->args, want);
}

#define CMD(s) s, sizeof(s) - 1

static void test_ordinary(void **state)
{
    struct fake *f = *state;
    struct ps_row row;
    char rest[128];

    put_proc(f, 4242, "sleep", rest_of(rest, sizeof(rest), 'S', 4200, 4200, 4100, -1, 0, 0, 1), 0,
             CMD("sleep\0"
                 "100\0"));
    read_ok(f, 4242, &row);
    assert_int_equal(row.pid, 4242);
    assert_int_equal(row.ppid, 4200);
    assert_string_equal(row.stat, "S");
    assert_args(&row, "sleep 100");
}

static void test_args_shapes(void **state)
{
    struct fake *f = *state;
    struct ps_row row;
    char rest[128];

    rest_of(rest, sizeof(rest), 'R', 1, 7, 7, -1, 0, 0, 1);
    put_proc(f, 7, "sh", rest, 0, CMD("sh\0-c\0echo 'a  b'\0\0\0"));
    read_ok(f, 7, &row);
    assert_args(&row, "sh -c echo 'a  b'");

    /* Tabs, control bytes, a newline, UTF-8 and invalid bytes. */
    put_proc(f, 7, "x", rest, 0, CMD("x\0tab\there\0caf\xc3\xa9\0nl\nx\0esc\x1b[0m\0"));
    read_ok(f, 7, &row);
    assert_args(&row, "x tab?here caf\xc3\xa9 nl x esc?[0m");
    put_proc(f, 7, "x", rest, 0, CMD("x\0inv\xff\0\t\0"));
    read_ok(f, 7, &row);
    assert_args(&row, "x inv? .");

    /* Only NULs: ps prints "?". */
    put_proc(f, 7, "x", rest, 0, CMD("\0\0"));
    read_ok(f, 7, &row);
    assert_args(&row, "?");
}

/* Command lines longer than a read (64 KiB) and than any fixed buffer:
 * whole, never cut. */
static void test_long_cmdline(void **state)
{
    struct fake *f = *state;
    size_t sizes[] = {65535, 65536, 65537, 100 * 1000, 300 * 1000};
    struct ps_row row;
    char rest[128];

    rest_of(rest, sizeof(rest), 'S', 1, 9, 9, -1, 0, 0, 1);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        char *c = malloc(n);

        assert_non_null(c);
        /* Arguments of 999 letters, the last one ending with the file. */
        for (size_t i = 0; i < n; i++)
            c[i] = (i % 1000 == 999 || i + 1 == n) ? '\0' : (char)('a' + i % 26);
        put_proc(f, 9, "big", rest, 0, c, n);
        read_ok(f, 9, &row);
        assert_int_equal(row.args_len, n - 1);
        for (size_t i = 0; i < n - 1; i++) {
            char want = (i % 1000 == 999) ? ' ' : (char)('a' + i % 26);

            if (row.args[i] != want)
                fail_msg("size %zu: byte %zu is 0x%02x", n, i, (unsigned char)row.args[i]);
        }
        free(c);
    }
}

static void test_kernel_thread(void **state)
{
    struct fake *f = *state;
    struct ps_row row;
    char rest[128];

    put_proc(f, 15, "kworker/0:1H-kblockd",
             rest_of(rest, sizeof(rest), 'I', 2, 0, 0, -1, 0x04208060, -20, 1), -1, "", 0);
    read_ok(f, 15, &row);
    assert_string_equal(row.stat, "I<");
    assert_args(&row, "[kworker/0:1H-kblockd]");
}

static void test_zombie(void **state)
{
    struct fake *f = *state;
    struct ps_row row;
    char rest[128];

    rest_of(rest, sizeof(rest), 'Z', 50, 50, 40, -1, 0x0040010c, 0, 1);
    put_proc(f, 51, "a) S (b", rest, -1, "", 0);
    read_ok(f, 51, &row);
    assert_int_equal(row.ppid, 50);
    assert_string_equal(row.stat, "Z");
    assert_args(&row, "[a) S (b] <defunct>");

    /* The name is escaped on its own, then bracketed: a tab is '?', and a
     * sequence cut by the end of the name does not swallow the ']'. */
    put_proc(f, 51, "t\tb\xe2\x82", rest, -1, "", 0);
    read_ok(f, 51, &row);
    assert_args(&row, "[t?b??] <defunct>");
    put_proc(f, 51, "\xff\tx", rest, -1, "", 0);
    read_ok(f, 51, &row);
    assert_args(&row, "[?.x] <defunct>");

    /* Whatever the state, a command line that is there is shown:
     * <defunct> only ever follows a bracketed name. */
    put_proc(f, 51, "server", rest, 0,
             CMD("server\0--port\0"
                 "80\0"));
    read_ok(f, 51, &row);
    assert_args(&row, "server --port 80");
}

static void test_stat_letters(void **state)
{
    static const struct {
        char state;
        int pgrp, session, tpgid, nice, threads;
        long vmlck;
        const char *want;
    } cases[] = {
        {'S', 30, 99, -1, 0, 1, 0, "S"},
        {'S', 30, 30, -1, 0, 1, 0, "Ss"}, /* session leader (session == pid 30) */
        {'S', 30, 99, -1, 0, 4, 0, "Sl"}, /* threads */
        {'S', 31, 99, 31, 0, 1, 0, "S+"}, /* foreground process group */
        {'R', 31, 99, 32, 0, 1, 0, "R"},  /* background: tpgid is another group */
        {'S', 30, 99, -1, -5, 1, 0, "S<"},
        {'S', 30, 99, -1, 19, 1, 0, "SN"},
        {'S', 30, 99, -1, 0, 1, 2312, "SL"}, /* locked pages */
        {'T', 30, 99, -1, 0, 1, 0, "T"},     /* stopped */
        {'t', 30, 99, -1, 0, 1, 0, "t"},     /* stopped by a tracer */
        {'D', 30, 99, -1, 0, 1, 0, "D"},
        {'S', 30, 30, 30, -1, 9, 8, "S<Lsl+"}, /* everything, in ps's order */
    };
    struct fake *f = *state;
    struct ps_row row;
    char rest[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rest_of(rest, sizeof(rest), cases[i].state, 1, cases[i].pgrp, cases[i].session,
                cases[i].tpgid, 0, cases[i].nice, cases[i].threads);
        put_proc(f, 30, "p", rest, cases[i].vmlck, CMD("p\0"));
        read_ok(f, 30, &row);
        if (strcmp(row.stat, cases[i].want) != 0)
            fail_msg("case %zu: STAT \"%s\", want \"%s\"", i, row.stat, cases[i].want);
    }
}

/* A process that exits while it is read: each missing file is ENOENT
 * (procfs_vanished), with the file named for a caller that would want to
 * say which. */
static void test_vanished(void **state)
{
    struct fake *f = *state;
    struct ps_row row;
    const char *failed;
    char rest[128], path[128];

    assert_int_equal(ps_row_read(&f->r, f->tmp.fd, 12345, &row, &failed), -ENOENT);
    assert_string_equal(failed, "");

    rest_of(rest, sizeof(rest), 'S', 1, 60, 60, -1, 0, 0, 1);
    put_proc(f, 60, "gone", rest, 0, CMD("gone\0"));
    snprintf(path, sizeof(path), "%s/60/cmdline", f->tmp.dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(ps_row_read(&f->r, f->tmp.fd, 60, &row, &failed), -ENOENT);
    assert_true(procfs_vanished(-ENOENT));
    assert_string_equal(failed, "cmdline");

    snprintf(path, sizeof(path), "%s/60/status", f->tmp.dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(ps_row_read(&f->r, f->tmp.fd, 60, &row, &failed), -ENOENT);
    assert_string_equal(failed, "status");
    assert_true(procfs_vanished(-ESRCH));
    assert_false(procfs_vanished(-EIO));
    assert_false(procfs_vanished(-EACCES));
}

/* Files that are there but wrong: an error naming the file, not a crash
 * and not a made-up row. */
static void test_malformed_files(void **state)
{
    struct fake *f = *state;
    struct ps_row row;
    const char *failed;
    char rest[128];

    put(f, 70, "stat", "70 (x) S 1 2\n", 13);
    put(f, 70, "status", "VmLck:\t0 kB\n", 12);
    put(f, 70, "cmdline", "x\0", 2);
    assert_int_equal(ps_row_read(&f->r, f->tmp.fd, 70, &row, &failed), -EINVAL);
    assert_string_equal(failed, "stat");

    rest_of(rest, sizeof(rest), 'S', 1, 70, 70, -1, 0, 0, 1);
    put_proc(f, 70, "x", rest, 0, CMD("x\0"));
    put(f, 70, "status", "VmLck:\tlots\n", 12);
    assert_int_equal(ps_row_read(&f->r, f->tmp.fd, 70, &row, &failed), -EINVAL);
    assert_string_equal(failed, "status");

    /* A directory where a file should be: read() says EISDIR. */
    put_proc(f, 71, "x", rest, 0, CMD("x\0"));
    {
        char path[128];

        snprintf(path, sizeof(path), "%s/71/cmdline", f->tmp.dir);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkdir(path, 0755), 0);
    }
    assert_int_equal(ps_row_read(&f->r, f->tmp.fd, 71, &row, &failed), -EISDIR);
    assert_string_equal(failed, "cmdline");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ordinary, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_args_shapes, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_long_cmdline, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_kernel_thread, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_zombie, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_stat_letters, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_vanished, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_files, fake_setup, fake_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
