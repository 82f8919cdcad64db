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
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define USAGE "usage: %s [--sleep-ms MS] FILE\n"

/* Every read() asks for at least this much (the size of a page, and of
 * the kernel's usual unit of file I/O), so a small file takes one read and
 * the read that returns 0. */
#define READ_MIN 4096

/* The buffer starts here and doubles when less than READ_MIN is free. */
#define BUF_START (64 * 1024)

/* --sleep-ms: 0 to a day. */
#define SLEEP_MAX_MS 86400000u

/* Prints "syscalls: <message>" on stderr with a single write(). The line
 * has room for a path of PATH_MAX bytes and its error text. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[8192];
    va_list ap;
    /* The name is cut at 64 bytes, so the prefix always fits. */
    int n = snprintf(line, sizeof(line), "%.64s: ", program_invocation_short_name);

    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    /* Nothing useful can be done if stderr itself fails. */
    if (write(2, line, (size_t)n) < 0)
        return;
}

/* A growable byte buffer: data[0 .. len) of cap bytes. */
struct buf {
    char *data;
    size_t len, cap;
};

/* Makes room for at least READ_MIN more bytes. Returns 0 or -ENOMEM. */
static int buf_reserve(struct buf *b)
{
    char *p;

    if (b->cap - b->len >= READ_MIN)
        return 0;
    if (b->cap > SIZE_MAX / 2)
        return -ENOMEM;
    p = realloc(b->data, b->cap * 2);
    if (p == NULL)
        return -ENOMEM;
    b->data = p;
    b->cap *= 2;
    return 0;
}

/* Reads fd to its end into b: read() until it returns 0, which is the only
 * end-of-file sign (a read that returns less than asked is not one: pipes,
 * terminals and signals all give short reads). Returns 0 or a negative
 * errno. */
static int read_all(int fd, struct buf *b)
{
    for (;;) {
        ssize_t n;
        int rc = buf_reserve(b);

        if (rc < 0)
            return rc;
        n = read(fd, b->data + b->len, b->cap - b->len);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR) /* a signal came first: nothing was read */
                continue;
            return -errno;
        }
        b->len += (size_t)n;
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
 * again. Returns 0 or a negative errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
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

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    say("%s", msg);
    fprintf(stderr, USAGE, program_invocation_short_name);
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sleep-ms", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct buf b = {.cap = BUF_START};
    unsigned ms = 100;
    const char *path;
    int c, fd, rc;

    opterr = 0; /* every error line in our own form */
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (parse_ms(optarg, &ms) < 0)
                return usage_error("--sleep-ms: expected 0 to %u, got '%s'", SLEEP_MAX_MS, optarg);
            break;
        case 'h':
            printf(USAGE "Reads FILE, sleeps MS milliseconds (default 100), writes FILE to "
                         "stdout.\n",
                   program_invocation_short_name);
            return 0;
        case ':':
            return usage_error("--sleep-ms: missing value");
        default:
            if (optopt != 0)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error(optind == argc ? "FILE is missing" : "one FILE expected");
    path = argv[optind];

    /* Allocated before the file is opened, so that the allocator's own
     * system calls (brk or mmap) do not come between openat and read. */
    b.data = malloc(b.cap);
    if (b.data == NULL) {
        say("%s", strerror(ENOMEM));
        return 1;
    }

    /* O_CLOEXEC is the habit to have: a descriptor should never leak into
     * a program started with exec() (this one starts none). */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say("%s: %s", path, strerror(errno));
        free(b.data);
        return 1;
    }
    rc = read_all(fd, &b);
    /* The file was only read: close() cannot lose data here, so its result
     * is not checked (and on Linux the descriptor is gone even when it
     * reports an error, so it must not be closed again). */
    close(fd);
    if (rc < 0) {
        say("%s: %s", path, strerror(-rc));
        free(b.data);
        return 1;
    }

    rc = sleep_ms(ms);
    if (rc < 0) {
        say("clock_nanosleep: %s", strerror(-rc));
        free(b.data);
        return 1;
    }

    rc = write_all(1, b.data, b.len);
    free(b.data);
    if (rc < 0) {
        say("write error: %s", strerror(-rc));
        return 1;
    }
    return 0;
}
