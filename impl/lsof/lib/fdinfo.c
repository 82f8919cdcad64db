#include "fdinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "procfs.h"

/* The first buffer: most targets are short paths, and a page is the most
 * the kernel writes for these links. */
#define LINK_FIRST 1024

int fdinfo_readlink(int dir_fd, const char *name, struct buf *b)
{
    size_t want = LINK_FIRST;

    for (;;) {
        char *tail;
        size_t avail;
        ssize_t n;
        int rc;

        buf_truncate(b, 0);
        if (want > b->max)
            want = b->max;
        rc = buf_reserve(b, want, &tail, &avail);
        if (rc < 0)
            return rc;
        n = readlinkat(dir_fd, name, tail, avail);
        if (n < 0)
            return -errno;
        if ((size_t)n < avail) {
            buf_commit(b, (size_t)n);
            return 0;
        }
        if (avail >= b->max)
            return -ENAMETOOLONG;
        want = avail * 2;
    }
}

const char *fdinfo_type(bool have_mode, mode_t mode, const char *link, size_t len)
{
    static const char anon[] = "anon_inode:";

    if (have_mode) {
        switch (mode & S_IFMT) {
        case S_IFREG:
            return "REG";
        case S_IFDIR:
            return "DIR";
        case S_IFCHR:
            return "CHR";
        case S_IFBLK:
            return "BLK";
        case S_IFIFO:
            return "FIFO";
        case S_IFSOCK:
            return "SOCK";
        case S_IFLNK:
            return "LNK";
        default:
            break; /* no type bits: an anonymous inode */
        }
    }
    if (len >= sizeof(anon) - 1 && memcmp(link, anon, sizeof(anon) - 1) == 0)
        return "a_inode";
    return "unknown";
}

int fdinfo_read(int dir_fd, int fd, struct buf *b, struct fdinfo *out)
{
    char name[16];
    struct stat st;
    bool have_mode = true;
    int rc;

    snprintf(name, sizeof(name), "%d", fd);
    memset(&st, 0, sizeof(st));
    rc = fdinfo_readlink(dir_fd, name, b);
    if (rc < 0)
        return rc;
    /* Flags 0: follow the link to the open file (AT_SYMLINK_NOFOLLOW would
     * only say "symbolic link"). */
    if (fstatat(dir_fd, name, &st, 0) < 0) {
        rc = -errno;
        if (procfs_vanished(rc))
            return rc;
        have_mode = false;
    }
    out->fd = fd;
    out->type = fdinfo_type(have_mode, st.st_mode, buf_peek(b), buf_len(b));
    /* A name may hold any byte but NUL; a newline in it would forge a
     * line of output. */
    out->name = buf_peek(b);
    out->name_len = esc_controls((char *)buf_peek(b), buf_len(b));
    return 0;
}
