#ifndef OSNET_FDIO_H
#define OSNET_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Blocking file-descriptor I/O for the command-line programs (cat, grep):
 * the two loops every such program needs and most get subtly wrong, a read
 * that survives EINTR and a write that survives short writes. */

/* Reads up to n bytes from fd into p, retrying when a signal interrupts
 * the call. Returns the number of bytes read (0 at end of file) or a
 * negative errno. */
ssize_t fdio_read(int fd, void *p, size_t n);

/* Writes all n bytes of p to fd, looping over short writes and EINTR.
 * Returns 0, or a negative errno (-ENOSPC for a full disk, -EPIPE when the
 * reader went away and SIGPIPE is ignored). A write that returns 0 for a
 * non-zero count, which POSIX allows but Linux never does for files and
 * pipes, is reported as -EIO rather than looping forever. */
int fdio_write_all(int fd, const void *p, size_t n);

#endif
