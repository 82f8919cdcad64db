/* syscalls: reads a file, sleeps, prints the file. Nothing more: the point
 * is to watch it with `strace -f build/bin/syscalls FILE` and recognise
 * every line, the program's own calls between what the dynamic loader
 * and the C library do before main() and the exit_group() at the end:
 *
 *     openat(AT_FDCWD, "FILE", O_RDONLY|O_CLOEXEC) = 3
 *     read(3, ..., 65536) = 1234
 *     read(3, "", 64302) = 0
 *     close(3) = 0
 *     clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {...}, NULL) = 0
 *     write(1, ..., 1234) = 1234
 *     exit_group(0) = ?
 *
 * So it calls the kernel directly (open, read, close, write) rather than
 * through stdio, whose buffering would decide when and in what pieces the
 * bytes move. README.md walks through a real trace. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"  /* impl/lib: the bounded growing buffer */
#include "fdio.h" /* impl/lib: fdio_say, the error line */

#define SYNOPSIS "[--sleep-ms MS] FILE"
#define USAGE    "usage: %s " SYNOPSIS "\n"

/* Every read() asks for at least this much (the size of a page, and of
 * the kernel's usual unit of file I/O), so a small file takes one read and
 * the read that returns 0. */
#define READ_MIN 4096

/* The buffer starts here and doubles when less than READ_MIN is free. */
#define BUF_START ((size_t)64 * 1024)

/* The largest FILE read: 1 GiB, held in memory until the sleep is over.
 * A larger one is refused with EFBIG ("File too large"), as every buffer
 * here has a bound. The buffer's own bound leaves room for the read that
 * finds end of file after exactly FILE_MAX bytes. */
#define FILE_MAX ((size_t)1 << 30)

/* --sleep-ms: 0 to a day. */
#define SLEEP_MAX_MS 86400000u

/* Reads fd to its end into b: read() until it returns 0, which is the only
 * end-of-file sign (a read that returns less than asked is not one: pipes,
 * terminals and signals all give short reads). Each read() is offered all
 * the free room of the buffer, at least READ_MIN bytes; the buffer doubles
 * when less is left. (impl/lib's fdio_read() is this loop's retry on EINTR;
 * it is written out here so that every system call strace shows for the
 * file is in this file.) Returns 0 or a negative errno: -EFBIG past
 * FILE_MAX bytes. */
static int read_all(int fd, struct buf *b)
{
    for (;;) {
        char *tail;
        size_t avail;
        ssize_t n;
        int rc = buf_reserve(b, READ_MIN, &tail, &avail);

        if (rc < 0)
            return rc;
        n = read(fd, tail, avail);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR) /* a signal came first: nothing was read */
                continue;
            return -errno;
        }
        buf_commit(b, (size_t)n);
        if (buf_len(b) > FILE_MAX)
            return -EFBIG;
    }
}

/* Sleeps ms milliseconds. The deadline is computed once and the sleep is
 * "until the deadline" (TIMER_ABSTIME): a signal that interrupts it
 * (EINTR) is followed by the same call, which sleeps only what is left,
 * however many signals come. (A relative sleep restarted with the remaining
 * time, nanosleep()'s second argument, drifts a little with each restart.)
 * CLOCK_MONOTONIC does not jump when the wall clock is set. Returns 0 or a
 * negative errno. */
static int sleep_ms(unsigned ms)
{
    struct timespec until;
    int rc;

    if (clock_gettime(CLOCK_MONOTONIC, &until) < 0)
        return -errno;
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    /* clock_nanosleep returns the error number; it does not set errno. */
    do
        rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    while (rc == EINTR);
    return -rc;
}

/* Writes all of buf to fd: write() may take fewer bytes than offered (a
 * pipe with little room, a signal), and the rest must then be offered
 * again. The same loop as impl/lib's fdio_write_all(), written out here
 * for the same reason as read_all(). Returns 0 or a negative errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) /* never for a file or a pipe; not a reason to spin */
            return -EIO;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* "--sleep-ms" value: decimal digits only, 0 to SLEEP_MAX_MS. */
static int parse_ms(const char *s, unsigned *out)
{
    unsigned long v = 0;

    if (*s == '\0')
        return -EINVAL;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > SLEEP_MAX_MS) /* checked per digit: v never overflows */
            return -ERANGE;
    }
    *out = (unsigned)v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sleep-ms", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct buf b;
    char *tail;
    size_t avail;
    unsigned ms = 100;
    const char *path;
    int c, fd, rc;

    /* getopt_long rather than impl/lib's args, which parses only
     * "--name value" options and no operand such as FILE. Its own messages
     * are off: every error line in our own form. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (parse_ms(optarg, &ms) < 0)
                return fdio_usage_error(SYNOPSIS, "--sleep-ms: expected 0 to %u, got '%s'",
                                        SLEEP_MAX_MS, optarg);
            break;
        case 'h':
            printf(USAGE "Reads FILE, sleeps MS milliseconds (default 100), writes FILE to "
                         "stdout.\n",
                   program_invocation_short_name);
            return 0;
        case ':':
            return fdio_usage_error(SYNOPSIS, "--sleep-ms: missing value");
        default:
            return fdio_getopt_error(SYNOPSIS, c, argv);
        }
    }
    if (optind != argc - 1)
        return fdio_usage_error(SYNOPSIS, optind == argc ? "FILE is missing" : "one FILE expected");
    path = argv[optind];

    /* Allocated before the file is opened, so that the allocator's own
     * system calls (brk or mmap) do not come between openat and read. */
    buf_init(&b, FILE_MAX + READ_MIN);
    if (buf_reserve(&b, BUF_START, &tail, &avail) < 0) {
        fdio_say("%s", strerror(ENOMEM));
        return 1;
    }

    /* O_CLOEXEC is the habit to have: a descriptor should never leak into
     * a program started with exec() (this one starts none). */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fdio_say("%s: %s", path, strerror(errno));
        buf_free(&b);
        return 1;
    }
    rc = read_all(fd, &b);
    /* The file was only read: close() cannot lose data here, so its result
     * is not checked (and on Linux the descriptor is gone even when it
     * reports an error, so it must not be closed again). */
    close(fd);
    if (rc < 0) {
        fdio_say("%s: %s", path, strerror(-rc));
        buf_free(&b);
        return 1;
    }

    rc = sleep_ms(ms);
    if (rc < 0) {
        fdio_say("clock_nanosleep: %s", strerror(-rc));
        buf_free(&b);
        return 1;
    }

    rc = write_all(1, buf_peek(&b), buf_len(&b));
    buf_free(&b);
    if (rc < 0) {
        fdio_say("write error: %s", strerror(-rc));
        return 1;
    }
    return 0;
}
