#ifndef OSNET_LSOF_FDINFO_H
#define OSNET_LSOF_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* One open descriptor of a process, as /proc/PID/fd/N shows it.
 *
 * /proc/PID/fd/N is a symbolic link, but a magic one: readlink() gives a
 * description of the open file ("/etc/passwd", "/tmp/x (deleted)",
 * "socket:[12345]", "pipe:[6789]", "anon_inode:[eventfd]"), while stat()
 * follows it to the open file itself, whatever its name is now, so the
 * mode bits say what kind of file it is even for a socket or a pipe that
 * has no name at all. lsof's NAME comes from the first, TYPE from the
 * second. */

/* The most bytes a link target may have here. The kernel builds these
 * names in one page, so this is never reached; it keeps the growing
 * buffer bounded all the same. */
#define FDINFO_LINK_MAX ((size_t)1024 * 1024)

struct fdinfo {
    int fd;
    const char *type; /* REG DIR CHR BLK FIFO SOCK LNK a_inode unknown */
    const char *name; /* the link target, control bytes shown as '?';
                         points into the buffer given to fdinfo_read() */
    size_t name_len;
};

/* Reads the target of the symbolic link name in dir_fd into b, replacing
 * what b held, with readlinkat() into a buffer that doubles until the
 * target fits (readlink() truncates silently, so a result that fills the
 * buffer exactly may be cut: only a shorter one is known to be whole).
 * Returns 0 or -errno; -ENAMETOOLONG past b->max bytes. */
int fdinfo_readlink(int dir_fd, const char *name, struct buf *b);

/* The TYPE column: from the mode stat() gave (have_mode), or, when stat()
 * failed or its mode carries no file type (anonymous inodes have none),
 * from the link text: "a_inode" when it starts with "anon_inode:",
 * "unknown" otherwise. */
const char *fdinfo_type(bool have_mode, mode_t mode, const char *link, size_t len);

/* Reads descriptor fd of the directory open at dir_fd (/proc/PID/fd) into
 * *out: the link with readlinkat(dir_fd, "FD") into b, then the type with
 * fstatat(dir_fd, "FD"). Relative to the directory's descriptor, never a
 * path rebuilt from the PID: once /proc/PID/fd is open, its entries belong
 * to that process, and if it dies and its PID is reused meanwhile the
 * calls fail (ENOENT) rather than describe the newcomer's descriptors.
 * Returns 0; -ENOENT or -ESRCH when the descriptor or its process is gone
 * (closed between the listing and now: no error for lsof); or another
 * -errno from readlinkat (an fstatat failure only makes the type less
 * precise). */
int fdinfo_read(int dir_fd, int fd, struct buf *b, struct fdinfo *out);

#endif
