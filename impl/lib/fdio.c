#include "fdio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

ssize_t fdio_read(int fd, void *p, size_t n)
{
    for (;;) {
        ssize_t got = read(fd, p, n);
        if (got >= 0)
            return got;
        if (errno != EINTR)
            return -errno;
    }
}

int fdio_write_all(int fd, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t put = write(fd, s, n);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (put == 0)
            return -EIO;
        s += put;
        n -= (size_t)put;
    }
    return 0;
}

/* fdio_say with its arguments in a va_list, for fdio_say and
 * fdio_usage_error. */
static void vsay(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vsay(const char *fmt, va_list ap)
{
    char line[FDIO_SAY_MAX];
    int saved = errno;
    /* The name is cut at 64 bytes, so the prefix always fits. */
    int n = snprintf(line, sizeof(line), "%.64s: ", program_invocation_short_name);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);

    /* vsnprintf says how long the whole message is, not what it stored;
     * one byte is kept for the newline. */
    if (m > 0)
        n += m;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    /* Nothing useful can be done if stderr itself fails. */
    (void)fdio_write_all(2, line, (size_t)n);
    errno = saved;
}

void fdio_say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

int fdio_usage_error(const char *synopsis, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    /* stderr is unbuffered: this is written before the function returns. */
    fprintf(stderr, "usage: %s %s\n", program_invocation_short_name, synopsis);
    return 2;
}

int fdio_getopt_error(const char *synopsis, int c, char **argv)
{
    if (c == ':')
        return fdio_usage_error(synopsis, "%s: missing value", argv[optind - 1]);
    if (optopt != 0)
        return fdio_usage_error(synopsis, "unknown option '-%c'", optopt);
    return fdio_usage_error(synopsis, "unknown option '%s'", argv[optind - 1]);
}
