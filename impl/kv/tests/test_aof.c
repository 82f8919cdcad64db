/* Unit tests for the append-only file: records written and replayed,
 * binary-safe; a torn last record cut off at every possible point; garbage
 * refused with its offset; a failed write cut back out of the file and kept
 * for the next flush; the fsync policies and the everysec thread. Each test
 * works in its own mkdtemp directory. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof.h"

struct tmp {
    char dir[64];
    char path[96];
};

static int tmp_setup(void **state)
{
    struct tmp *t = malloc(sizeof(*t));

    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/test_aof.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof(t->path), "%s/appendonly.aof", t->dir);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    struct tmp *t = *state;

    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}

/* What aof_load replayed, one line per command: arguments separated by
 * spaces, bytes outside printable ASCII (and space, backslash) as \xHH,
 * arguments over 64 bytes as <len:sum>. */
struct replay {
    char text[8192];
    size_t len;
    int commands;
    int fail_at; /* apply returns -EPROTO at this command (1-based); 0 never */
};

static void replay_add(struct replay *r, const char *s, size_t n)
{
    assert_true(r->len + n < sizeof(r->text));
    memcpy(r->text + r->len, s, n);
    r->len += n;
    r->text[r->len] = '\0';
}

static int replay_apply(void *ctx, size_t argc, const struct resp_arg *argv)
{
    struct replay *r = ctx;
    char tmp[64];

    r->commands++;
    if (r->commands == r->fail_at)
        return -EPROTO;
    for (size_t i = 0; i < argc; i++) {
        const unsigned char *p = (const unsigned char *)argv[i].p;

        if (i > 0)
            replay_add(r, " ", 1);
        if (argv[i].n > 64) {
            unsigned long sum = 0;

            for (size_t j = 0; j < argv[i].n; j++)
                sum = sum * 31 + p[j];
            replay_add(r, tmp, (size_t)snprintf(tmp, sizeof(tmp), "<%zu:%lu>", argv[i].n, sum));
            continue;
        }
        for (size_t j = 0; j < argv[i].n; j++) {
            if (p[j] > ' ' && p[j] < 127 && p[j] != '\\')
                replay_add(r, (const char *)&p[j], 1);
            else
                replay_add(r, tmp, (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", p[j]));
        }
    }
    replay_add(r, "\n", 1);
    return 0;
}

/* Appends one record given as NUL-terminated strings. */
static void append(struct aof *a, size_t argc, const char *const *argv)
{
    size_t lens[8];

    assert_true(argc <= 8);
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    assert_int_equal(aof_append(a, argc, argv, lens), 0);
}

static void load_expect(const char *path, const char *expect, off_t expect_torn)
{
    struct replay r;
    off_t torn = -1, bad = -1;

    memset(&r, 0, sizeof(r));
    assert_int_equal(aof_load(path, replay_apply, &r, &torn, &bad), 0);
    assert_string_equal(r.text, expect);
    assert_int_equal(torn, expect_torn);
}

static off_t file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void write_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static void test_policy_names(void **state)
{
    enum aof_fsync p;

    (void)state;
    assert_int_equal(aof_fsync_parse("always", &p), 0);
    assert_int_equal(p, AOF_FSYNC_ALWAYS);
    assert_int_equal(aof_fsync_parse("everysec", &p), 0);
    assert_int_equal(p, AOF_FSYNC_EVERYSEC);
    assert_int_equal(aof_fsync_parse("no", &p), 0);
    assert_int_equal(p, AOF_FSYNC_NO);
    assert_int_equal(aof_fsync_parse("EverySec", &p), 0);
    assert_int_equal(p, AOF_FSYNC_EVERYSEC);
    assert_int_equal(aof_fsync_parse("", &p), -EINVAL);
    assert_int_equal(aof_fsync_parse("sometimes", &p), -EINVAL);
    assert_int_equal(aof_fsync_parse("always ", &p), -EINVAL);
    assert_string_equal(aof_fsync_name(AOF_FSYNC_ALWAYS), "always");
    assert_string_equal(aof_fsync_name(AOF_FSYNC_EVERYSEC), "everysec");
    assert_string_equal(aof_fsync_name(AOF_FSYNC_NO), "no");
}

static void test_missing_file_is_empty(void **state)
{
    struct tmp *t = *state;
    struct replay r;
    off_t torn = -1;

    memset(&r, 0, sizeof(r));
    assert_int_equal(aof_load(t->path, replay_apply, &r, &torn, NULL), 0);
    assert_int_equal(r.commands, 0);
    assert_int_equal(torn, 0);
    assert_int_equal(access(t->path, F_OK), -1); /* loading creates nothing */
}

/* REQ: KV-070 */
static void test_roundtrip(void **state)
{
    struct tmp *t = *state;
    static const char *const set[] = {"SET", "k", "v", "PXAT", "1700000000000"};
    static const char *const del[] = {"DEL", "k"};
    static const char *const flush[] = {"FLUSHDB"};
    static const char bin[] = {'a', '\0', '\r', '\n', '$', '*', (char)0xff};
    const char *argv[3] = {"SET", bin, ""};
    size_t lens[3] = {3, sizeof(bin), 0};
    size_t big_len = 1 << 20;
    char *big = malloc(big_len);
    struct aof *a = NULL;
    char expect[512];

    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i * 7);
    for (int policy = AOF_FSYNC_ALWAYS; policy <= AOF_FSYNC_NO; policy++) {
        unsigned long sum = 0;

        unlink(t->path);
        assert_int_equal(aof_open(&a, t->path, (enum aof_fsync)policy), 0);
        append(a, 5, set);
        append(a, 2, del);
        assert_int_equal(aof_append(a, 3, argv, lens), 0);
        assert_true(aof_pending(a) > 0);
        assert_int_equal(file_size(t->path), 0); /* appending writes nothing */
        assert_int_equal(aof_flush(a), 0);
        assert_int_equal(aof_pending(a), 0);
        assert_int_equal(aof_error(a), 0);
        assert_int_equal(aof_close(a), 0);

        /* Reopening appends after what is there. */
        assert_int_equal(aof_open(&a, t->path, (enum aof_fsync)policy), 0);
        append(a, 1, flush);
        argv[2] = big;
        lens[2] = big_len;
        assert_int_equal(aof_append(a, 3, argv, lens), 0);
        argv[2] = "";
        lens[2] = 0;
        assert_int_equal(aof_close(a), 0); /* close flushes */

        for (size_t i = 0; i < big_len; i++)
            sum = sum * 31 + (unsigned char)big[i];
        snprintf(expect, sizeof(expect),
                 "SET k v PXAT 1700000000000\nDEL k\nSET a\\x00\\x0d\\x0a$*\\xff \n"
                 "FLUSHDB\nSET a\\x00\\x0d\\x0a$*\\xff <%zu:%lu>\n",
                 big_len, sum);
        load_expect(t->path, expect, 0);
    }
    assert_int_equal(aof_close(NULL), 0);
    free(big);
}

static void test_discard(void **state)
{
    struct tmp *t = *state;
    static const char *const one[] = {"SET", "a", "1"};
    static const char *const two[] = {"SET", "b", "2"};
    struct aof *a = NULL;

    assert_int_equal(aof_open(&a, t->path, AOF_FSYNC_NO), 0);
    append(a, 3, one);
    assert_int_equal(aof_flush(a), 0);
    append(a, 3, two);
    aof_discard(a);
    assert_int_equal(aof_pending(a), 0);
    assert_int_equal(aof_flush(a), 0);
    assert_int_equal(aof_close(a), 0);
    load_expect(t->path, "SET a 1\n", 0);
}

/* The bytes of one record, as the server writes it. */
static size_t record_bytes(const char *dir, size_t argc, const char *const *argv, char *out,
                           size_t cap)
{
    char path[128];
    struct aof *a = NULL;
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "%s/one.aof", dir);
    unlink(path);
    assert_int_equal(aof_open(&a, path, AOF_FSYNC_NO), 0);
    append(a, argc, argv);
    assert_int_equal(aof_close(a), 0);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    n = read(fd, out, cap);
    assert_true(n > 0 && (size_t)n < cap);
    close(fd);
    unlink(path);
    return (size_t)n;
}

/* REQ: KV-075 */
static void test_torn_tail_every_cut(void **state)
{
    struct tmp *t = *state;
    static const char *const first[] = {"SET", "k1", "v1"};
    static const char *const last[] = {"SET", "key2", "a value", "PXAT", "123456789"};
    char a[128], b[128], file[256];
    size_t alen = record_bytes(t->dir, 3, first, a, sizeof(a));
    size_t blen = record_bytes(t->dir, 5, last, b, sizeof(b));

    memcpy(file, a, alen);
    memcpy(file + alen, b, blen);
    /* Whole: both records. */
    write_file(t->path, file, alen + blen);
    load_expect(t->path, "SET k1 v1\nSET key2 a\\x20value PXAT 123456789\n", 0);
    assert_int_equal(file_size(t->path), (off_t)(alen + blen));
    /* Cut anywhere inside the last record: the first survives, the rest is
     * cut off the file, and *torn says how much. */
    for (size_t cut = 1; cut < blen; cut++) {
        write_file(t->path, file, alen + cut);
        load_expect(t->path, "SET k1 v1\n", (off_t)cut);
        assert_int_equal(file_size(t->path), (off_t)alen);
        /* Loading again finds a clean file. */
        load_expect(t->path, "SET k1 v1\n", 0);
    }
}

static void expect_garbage(const char *path, const char *data, size_t n, off_t where)
{
    struct replay r;
    off_t torn = -1, bad = -1;

    write_file(path, data, n);
    memset(&r, 0, sizeof(r));
    assert_int_equal(aof_load(path, replay_apply, &r, &torn, &bad), -EINVAL);
    assert_int_equal(bad, where);
    /* The file is left as it was for a human to look at. */
    assert_int_equal(file_size(path), (off_t)n);
}

static void test_garbage_refused(void **state)
{
    struct tmp *t = *state;
    static const char ok[] = "*1\r\n$7\r\nFLUSHDB\r\n"; /* 17 bytes */
    char data[128];

    /* Not RESP at all after a good record. */
    snprintf(data, sizeof(data), "%sgarbage\r\n", ok);
    expect_garbage(t->path, data, strlen(data), 17);
    /* An inline command is not a record either. */
    snprintf(data, sizeof(data), "%sSET k v\r\n%s", ok, ok);
    expect_garbage(t->path, data, strlen(data), 17);
    /* A bad count, a missing '$', a bad length. */
    snprintf(data, sizeof(data), "%s*x\r\n", ok);
    expect_garbage(t->path, data, strlen(data), 17);
    snprintf(data, sizeof(data), "%s%s*2\r\n$3\r\nDEL\r\n:1\r\n", ok, ok);
    expect_garbage(t->path, data, strlen(data), 34);
    snprintf(data, sizeof(data), "*2\r\n$-5\r\n");
    expect_garbage(t->path, data, strlen(data), 0);
    /* Garbage first. */
    expect_garbage(t->path, "\0\0\0\0", 4, 0);
}

static void test_apply_error_stops(void **state)
{
    struct tmp *t = *state;
    static const char data[] = "*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n*1\r\n$1\r\nc\r\n";
    struct replay r;

    write_file(t->path, data, strlen(data));
    memset(&r, 0, sizeof(r));
    r.fail_at = 2;
    assert_int_equal(aof_load(t->path, replay_apply, &r, NULL, NULL), -EPROTO);
    assert_int_equal(r.commands, 2);
    assert_string_equal(r.text, "a\n");
}

/* REQ: KV-073 */
static void test_write_error_kept_and_retried(void **state)
{
    struct aof *a = NULL;
    static const char *const rec[] = {"SET", "k", "v"};

    (void)state;
    /* /dev/full fails every write with ENOSPC (and cannot be truncated). */
    assert_int_equal(aof_open(&a, "/dev/full", AOF_FSYNC_ALWAYS), 0);
    append(a, 3, rec);
    assert_int_equal(aof_flush(a), -ENOSPC);
    assert_int_equal(aof_error(a), -ENOSPC);
    assert_true(aof_pending(a) > 0);
    assert_int_not_equal(aof_flush(a), 0);
    /* The server refuses those changes: dropping them leaves nothing. */
    aof_discard(a);
    assert_int_equal(aof_pending(a), 0);
    assert_int_not_equal(aof_close(a), 0);
}

/* A write that gets part-way (the file size limit stops it) must not leave
 * half a record in the file: the next flush writes the whole record again. */
/* REQ: KV-073 */
/* REQ: KV-074 */
static void test_short_write_cut_back(void **state)
{
    struct tmp *t = *state;
    static const char *const small[] = {"SET", "a", "1"};
    char value[300];
    const char *big[] = {"SET", "b", value};
    struct aof *a = NULL;
    struct rlimit old, lim;
    void (*old_handler)(int);
    off_t before;
    unsigned long sum = 0;
    char expect[64];
    int rc_limit, rc_flush;

    memset(value, 'x', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    assert_int_equal(aof_open(&a, t->path, AOF_FSYNC_EVERYSEC), 0);
    append(a, 3, small);
    assert_int_equal(aof_flush(a), 0);
    before = file_size(t->path);

    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    old_handler = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = (rlim_t)before + 100;
    append(a, 3, big);
    /* Nothing may fail between lowering the limit and restoring it: a
     * failed assertion would leave it low for the tests that follow. */
    rc_limit = setrlimit(RLIMIT_FSIZE, &lim);
    rc_flush = aof_flush(a);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc_limit, 0);
    assert_int_equal(rc_flush, -EFBIG);
    assert_int_equal(aof_error(a), -EFBIG);
    assert_true(aof_pending(a) > 300);
    assert_int_equal(file_size(t->path), before);

    /* Room again: the same bytes go out whole and the error clears. */
    assert_int_equal(aof_flush(a), 0);
    assert_int_equal(aof_error(a), 0);
    assert_int_equal(aof_pending(a), 0);
    assert_int_equal(aof_close(a), 0);
    for (size_t i = 0; i + 1 < sizeof(value); i++)
        sum = sum * 31 + 'x';
    snprintf(expect, sizeof(expect), "SET a 1\nSET b <%zu:%lu>\n", sizeof(value) - 1, sum);
    load_expect(t->path, expect, 0);
}

/* The everysec thread starts and stops cleanly, idle or just woken. */
static void test_everysec_thread(void **state)
{
    struct tmp *t = *state;
    static const char *const rec[] = {"INCR", "n"};
    struct aof *a = NULL;
    char expect[256] = "";

    for (int round = 0; round < 20; round++) {
        assert_int_equal(aof_open(&a, t->path, AOF_FSYNC_EVERYSEC), 0);
        if (round % 2 == 0) {
            append(a, 2, rec);
            assert_int_equal(aof_flush(a), 0);
            append(a, 2, rec);
            assert_int_equal(aof_flush(a), 0);
            strcat(expect, "INCR n\nINCR n\n");
        }
        assert_int_equal(aof_close(a), 0);
    }
    load_expect(t->path, expect, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test_setup_teardown(test_missing_file_is_empty, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_discard, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_every_cut, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_refused, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_apply_error_stops, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_write_error_kept_and_retried),
        cmocka_unit_test_setup_teardown(test_short_write_cut_back, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_everysec_thread, tmp_setup, tmp_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
