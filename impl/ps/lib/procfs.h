#ifndef OSNET_PS_PROCFS_H
#define OSNET_PS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Reading /proc, the part mps and mlsof share.
 *
 * Everything here works relative to directory descriptors (openat, never a
 * path built with sprintf), for two reasons. Once /proc/PID is open, every
 * file read through that descriptor belongs to the same process, even if
 * the process dies and its PID is reused in the meantime: the descriptor
 * then fails (ESRCH or ENOENT) rather than silently describing a stranger.
 * And the unit tests can hand these functions a directory of their own
 * that looks like /proc.
 *
 * A process can vanish at any moment between listing /proc and reading its
 * files; procfs_vanished() says which errors mean that. */

/* The most bytes procfs_read_at() keeps of one file: a command line is at
 * most a quarter of the stack limit, so this is far beyond any real one,
 * but it is a bound. */
#define PROCFS_FILE_MAX ((size_t)256 * 1024 * 1024)

/* The bytes asked of each read(): /proc files are generated on each read,
 * so a few large reads are much cheaper than many small ones. */
#define PROCFS_READ_CHUNK ((size_t)64 * 1024)

/* True when err (a negative errno) means the process, or the descriptor
 * being looked at, no longer exists: ENOENT (its /proc entry is gone) or
 * ESRCH (the files of a process that was open died under us). Such a
 * process is skipped without a word, as ps does. */
bool procfs_vanished(int err);

/* Lists the numeric entries of the directory open at dir_fd (/proc: the
 * thread-group leaders; /proc/PID/fd: the descriptors), sorted in
 * ascending order, into a malloc'd array the caller frees (NULL when
 * there are none). Entries that are not all digits, or too big for an
 * int, are ignored. The directory is read with getdents64() from its
 * start (the offset is rewound), so dir_fd stays usable for openat().
 * Returns 0, or -errno when the directory cannot be read: then nothing is
 * returned, never a partial list that would look complete. */
int procfs_list_numeric(int dir_fd, int **out, size_t *count);

/* Reads the whole of the file name in the directory dir_fd into b,
 * replacing what b held: one openat(), reads of PROCFS_READ_CHUNK bytes or
 * more until end of file, one close(). b's bound applies: a file with more
 * than b->max bytes gives -EFBIG. Returns 0 or -errno (of openat, read or
 * buf: -ENOMEM). */
int procfs_read_at(int dir_fd, const char *name, struct buf *b);

/* The fields of /proc/PID/stat that ps uses (proc(5)). */
struct procfs_stat {
    int pid;
    const char *comm; /* the command name, not NUL-terminated: points into
                         the text parsed; may hold any byte but NUL */
    size_t comm_len;
    char state; /* R S D Z T t X I ... */
    int ppid;
    int pgrp;
    int session;
    int tpgid;      /* -1 without a controlling terminal */
    unsigned flags; /* PF_*: PF_KTHREAD marks a kernel thread */
    long nice;
    long num_threads;
};

/* Parses the text of /proc/PID/stat. The command name is between the first
 * '(' and the last ')': it may itself contain spaces, parentheses and
 * anything else a program calls itself (prctl(PR_SET_NAME)), so the fields
 * are counted from the last ')', never split on spaces from the start.
 * Returns 0, or -EINVAL when the text is not of that shape. */
int procfs_parse_stat(const char *text, size_t len, struct procfs_stat *st);

/* Finds the line "key:<blanks>NUMBER..." in the text of /proc/PID/status
 * and stores NUMBER in *value. Returns 0, -ENOENT when no line has that
 * key (kernel threads have no VmLck, for instance), or -EINVAL when the
 * value is not a number. */
int procfs_status_number(const char *text, size_t len, const char *key, long long *value);

/* Turns the bytes of /proc/PID/cmdline into one line, in place, as procps
 * does: every NUL at the end is dropped (so trailing empty arguments
 * vanish too), and each NUL separating two arguments, and each newline
 * inside one, becomes a space. Returns the new length; 0 means the
 * command line was empty or only NULs. */
size_t procfs_join_cmdline(char *s, size_t len);

#endif
