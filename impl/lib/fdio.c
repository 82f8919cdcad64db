#include "fdio.h"

#include <errno.h>
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
