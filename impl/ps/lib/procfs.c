#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool procfs_vanished(int err)
{
    return err == -ENOENT || err == -ESRCH;
}

/* "123" -> 123; anything but 1 to 10 digits that fit in an int -> -1.
 * Directory names are NUL-terminated. */
static int parse_entry_name(const char *s)
{
    long long v = 0;
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (i == 0 || v > INT_MAX)
        return -1;
    return (int)v;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

int procfs_list_numeric(int dir_fd, int **out, size_t *count)
{
    /* getdents64 fills this with as many entries as fit: 32 KiB is about
     * a thousand processes per call. */
    _Alignas(struct dirent64) char dents[32 * 1024];
    int *v = NULL, *grown;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    *count = 0;
    if (lseek(dir_fd, 0, SEEK_SET) < 0)
        return -errno;
    for (;;) {
        ssize_t got = getdents64(dir_fd, dents, sizeof(dents));

        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto fail;
        }
        if (got == 0)
            break;
        for (ssize_t off = 0; off < got;) {
            const struct dirent64 *d = (const struct dirent64 *)(dents + off);
            int num = parse_entry_name(d->d_name);

            off += d->d_reclen;
            if (num < 0)
                continue;
            if (n == cap) {
                cap = cap > 0 ? cap * 2 : 256;
                grown = realloc(v, cap * sizeof(*v));
                if (grown == NULL) {
                    rc = -ENOMEM;
                    goto fail;
                }
                v = grown;
            }
            v[n++] = num;
        }
    }
    /* /proc happens to list PIDs in ascending order, but nothing promises
     * it (and /proc/PID/fd does not): sort. */
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_int);
    *out = v;
    *count = n;
    return 0;

fail:
    free(v);
    return rc;
}

int procfs_read_at(int dir_fd, const char *name, struct buf *b)
{
    int fd, rc = 0;

    buf_truncate(b, 0);
    fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    for (;;) {
        size_t room = b->max - buf_len(b), avail;
        char *tail, probe;
        ssize_t got;

        if (room == 0) {
            /* Full: the file fits only if it ends exactly here. */
            got = read(fd, &probe, 1);
            if (got < 0 && errno == EINTR)
                continue;
            rc = got < 0 ? -errno : got > 0 ? -EFBIG : 0;
            break;
        }
        rc = buf_reserve(b, room < PROCFS_READ_CHUNK ? room : PROCFS_READ_CHUNK, &tail, &avail);
        if (rc < 0)
            break;
        got = read(fd, tail, avail);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (got == 0)
            break;
        buf_commit(b, (size_t)got);
    }
    close(fd);
    return rc;
}

/* Parses a decimal (optionally negative) number at *p, which must be
 * followed by a space or the end of the text; moves *p past the number and
 * its space. Returns 0 or -EINVAL. */
static int next_field(const char **p, const char *end, long long *value)
{
    const char *s = *p;
    bool neg = false;
    unsigned long long v = 0;

    if (s < end && *s == '-') {
        neg = true;
        s++;
    }
    if (s == end || *s < '0' || *s > '9')
        return -EINVAL;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (v > (ULLONG_MAX - 9) / 10)
            return -EINVAL;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (s < end && *s != ' ' && *s != '\n')
        return -EINVAL;
    if (v > (unsigned long long)LLONG_MAX)
        return -EINVAL;
    *value = neg ? -(long long)v : (long long)v;
    *p = s < end ? s + 1 : s;
    return 0;
}

int procfs_parse_stat(const char *text, size_t len, struct procfs_stat *st)
{
    const char *end = text + len, *open, *close, *p;
    long long f[17]; /* fields 4 (ppid) to 20 (num_threads) of proc(5) */
    long long pid;

    open = memchr(text, '(', len);
    close = NULL;
    for (p = end; p > text; p--) {
        if (p[-1] == ')') {
            close = p - 1;
            break;
        }
    }
    if (open == NULL || close == NULL || close < open || open == text || open[-1] != ' ')
        return -EINVAL;
    p = text;
    if (next_field(&p, open, &pid) < 0 || p != open || pid <= 0 || pid > INT_MAX)
        return -EINVAL;
    /* ") S 1 ...": the state is one character after ") ". */
    p = close + 1;
    if (end - p < 4 || p[0] != ' ' || p[2] != ' ')
        return -EINVAL;
    st->state = p[1];
    p += 3;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (next_field(&p, end, &f[i]) < 0)
            return -EINVAL;
    }
    st->pid = (int)pid;
    st->comm = open + 1;
    st->comm_len = (size_t)(close - open - 1);
    st->ppid = (int)f[0];          /* field 4 */
    st->pgrp = (int)f[1];          /* 5 */
    st->session = (int)f[2];       /* 6 */
    st->tpgid = (int)f[4];         /* 8 (7 is tty_nr) */
    st->flags = (unsigned)f[5];    /* 9 */
    st->nice = (long)f[15];        /* 19 (18 is priority) */
    st->num_threads = (long)f[16]; /* 20 */
    return 0;
}

int procfs_status_number(const char *text, size_t len, const char *key, long long *value)
{
    size_t klen = strlen(key);
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl != NULL ? nl : end;

        if ((size_t)(line_end - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == ':') {
            const char *v = p + klen + 1;
            long long n = 0;

            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            if (v == line_end || *v < '0' || *v > '9')
                return -EINVAL;
            for (; v < line_end && *v >= '0' && *v <= '9'; v++) {
                if (n > (LLONG_MAX - 9) / 10)
                    return -EINVAL;
                n = n * 10 + (*v - '0');
            }
            *value = n;
            return 0;
        }
        p = line_end + 1;
    }
    return -ENOENT;
}

size_t procfs_join_cmdline(char *s, size_t len)
{
    while (len > 0 && s[len - 1] == '\0')
        len--;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0' || s[i] == '\n')
            s[i] = ' ';
    }
    return len;
}
