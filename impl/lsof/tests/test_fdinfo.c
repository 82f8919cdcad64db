/* Unit tests for what mlsof shows of one descriptor: the TYPE rules, a
 * readlink buffer that grows until the target fits, names with control
 * bytes, and this test's own descriptors in the real /proc/self/fd
 * (a pipe, a socket, an eventfd, a deleted file, a directory). */

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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdinfo.h"
#include "tests/tmpdir.h"

static void test_type(void **state)
{
    static const char anon[] = "anon_inode:[eventfd]";

    (void)state;
    assert_string_equal(fdinfo_type(true, S_IFREG | 0644, "/x", 2), "REG");
    assert_string_equal(fdinfo_type(true, S_IFDIR | 0755, "/", 1), "DIR");
    assert_string_equal(fdinfo_type(true, S_IFCHR | 0666, "/dev/null", 9), "CHR");
    assert_string_equal(fdinfo_type(true, S_IFBLK | 0660, "/dev/sda", 8), "BLK");
    assert_string_equal(fdinfo_type(true, S_IFIFO | 0600, "pipe:[1]", 8), "FIFO");
    assert_string_equal(fdinfo_type(true, S_IFSOCK | 0777, "socket:[1]", 10), "SOCK");
    assert_string_equal(fdinfo_type(true, S_IFLNK | 0777, "/l", 2), "LNK");
    /* An anonymous inode's mode has no type bits. */
    assert_string_equal(fdinfo_type(true, 0600, anon, sizeof(anon) - 1), "a_inode");
    /* stat() failed: the name decides. */
    assert_string_equal(fdinfo_type(false, 0, anon, sizeof(anon) - 1), "a_inode");
    assert_string_equal(fdinfo_type(false, 0, "anon_inode:", 11), "a_inode");
    assert_string_equal(fdinfo_type(false, 0, "anon_inode", 10), "unknown");
    assert_string_equal(fdinfo_type(false, 0, "/etc/passwd", 11), "unknown");
    assert_string_equal(fdinfo_type(true, 0, "net:[4026531840]", 16), "unknown");
    /* The name's length is what counts, not a NUL. */
    assert_string_equal(fdinfo_type(false, 0, anon, 5), "unknown");
}

/* Targets of every length around the buffer's first size (1 KiB) and its
 * doublings: each comes back whole. */
static void test_readlink_grows(void **state)
{
    size_t lens[] = {1, 255, 1023, 1024, 1025, 2047, 2048, 2049, 3000, 4095};
    struct tmpdir *t = *state;
    char target[4096];
    struct buf b;

    buf_init(&b, FDINFO_LINK_MAX);
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        for (size_t i = 0; i < lens[k]; i++)
            target[i] = (char)('a' + (i + k) % 26);
        target[lens[k]] = '\0';
        unlinkat(t->fd, "l", 0);
        assert_int_equal(symlinkat(target, t->fd, "l"), 0);
        assert_int_equal(fdinfo_readlink(t->fd, "l", &b), 0);
        assert_int_equal(buf_len(&b), lens[k]);
        assert_memory_equal(buf_peek(&b), target, lens[k]);
    }
    assert_int_equal(fdinfo_readlink(t->fd, "missing", &b), -ENOENT);
    buf_free(&b);

    /* The bound: a target that cannot fit is an error, not a cut name. */
    buf_init(&b, 3000);
    assert_int_equal(fdinfo_readlink(t->fd, "l", &b), -ENAMETOOLONG);
    buf_free(&b);
}

/* fdinfo_read on a directory of ordinary symlinks: the type comes from
 * what the link leads to, control bytes in the name are '?', a link to
 * nothing is a descriptor that is gone. */
static void test_read_fake(void **state)
{
    struct tmpdir *t = *state;
    struct fdinfo fi;
    char path[128];
    struct buf b;
    int fd;

    buf_init(&b, FDINFO_LINK_MAX);
    snprintf(path, sizeof(path), "%s/we\nird\tname", t->dir);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(symlinkat(path, t->fd, "3"), 0);
    assert_int_equal(symlinkat(t->dir, t->fd, "4"), 0);
    assert_int_equal(symlinkat("socket:[123]", t->fd, "5"), 0);

    assert_int_equal(fdinfo_read(t->fd, 3, &b, &fi), 0);
    assert_int_equal(fi.fd, 3);
    assert_string_equal(fi.type, "REG");
    snprintf(path, sizeof(path), "%s/we?ird?name", t->dir);
    assert_int_equal(fi.name_len, strlen(path));
    assert_memory_equal(fi.name, path, fi.name_len);

    assert_int_equal(fdinfo_read(t->fd, 4, &b, &fi), 0);
    assert_string_equal(fi.type, "DIR");

    /* Outside /proc a link to "socket:[123]" leads nowhere: ENOENT, which
     * is what a descriptor closed under our feet gives in /proc. */
    assert_int_equal(fdinfo_read(t->fd, 5, &b, &fi), -ENOENT);
    assert_int_equal(fdinfo_read(t->fd, 6, &b, &fi), -ENOENT);
    buf_free(&b);
}

static void expect(int dir, int fd, struct buf *b, const char *type, const char *prefix)
{
    struct fdinfo fi;
    int rc = fdinfo_read(dir, fd, b, &fi);

    if (rc != 0)
        fail_msg("fd %d: %s", fd, strerror(-rc));
    if (strcmp(fi.type, type) != 0 || fi.name_len < strlen(prefix) ||
        memcmp(fi.name, prefix, strlen(prefix)) != 0)
        fail_msg("fd %d: %s %.*s, want %s %s...", fd, fi.type, (int)fi.name_len, fi.name, type,
                 prefix);
}

/* This process's own descriptors, through the real /proc/self/fd. */
static void test_read_real(void **state)
{
    struct tmpdir *t = *state;
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    int p[2], s, e, d, del;
    char path[128], want[160];
    struct buf b;

    assert_int_equal(pipe(p), 0);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    e = eventfd(0, 0);
    d = open(t->dir, O_RDONLY | O_DIRECTORY);
    snprintf(path, sizeof(path), "%s/deleted", t->dir);
    del = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(dir >= 0 && s >= 0 && e >= 0 && d >= 0 && del >= 0);
    assert_int_equal(unlink(path), 0);

    buf_init(&b, FDINFO_LINK_MAX);
    expect(dir, p[0], &b, "FIFO", "pipe:[");
    expect(dir, p[1], &b, "FIFO", "pipe:[");
    expect(dir, s, &b, "SOCK", "socket:[");
    expect(dir, e, &b, "a_inode", "anon_inode:");
    expect(dir, d, &b, "DIR", t->dir);
    snprintf(want, sizeof(want), "%s (deleted)", path);
    expect(dir, del, &b, "REG", want);
    buf_free(&b);
    close(p[0]);
    close(p[1]);
    close(s);
    close(e);
    close(d);
    close(del);
    close(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test_setup_teardown(test_readlink_grows, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_read_fake, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_read_real, tmpdir_setup, tmpdir_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
