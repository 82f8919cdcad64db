/* A fixed-size message from a pipe (see pipemsg.h). */
#include <errno.h>

#include "fdio.h"
#include "pipemsg.h"

int pipemsg_read(int fd, void *buf, size_t len, size_t *got)
{
    unsigned char extra;
    ssize_t n;

    if (*got < len)
        n = fdio_read(fd, (unsigned char *)buf + *got, len - *got);
    else
        n = fdio_read(fd, &extra, 1);
    if (n <= 0)
        return (int)n; /* end of file, or a negative errno */
    if (*got == len)
        return -EMSGSIZE;
    *got += (size_t)n;
    return 1;
}
