#ifndef OSNET_PS_PSROW_H
#define OSNET_PS_PSROW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One line of `ps -eo pid,ppid,stat,args`, read from /proc/PID.
 *
 * Three files make a line, each opened once relative to /proc/PID and read
 * whole: stat (PID, PPID, the state letter and what the other STAT letters
 * come from, the command name), status (VmLck, for the L letter) and
 * cmdline (ARGS). The rules, all procps-ng 4.0.2's:
 *
 *   STAT  the state letter, then '<' (nice < 0), 'N' (nice > 0),
 *         'L' (pages locked in memory), 's' (session leader),
 *         'l' (more than one thread), '+' (in the foreground process
 *         group of its terminal);
 *   ARGS  the command line, arguments joined by spaces
 *         (procfs_join_cmdline), escaped for display (esc_ps); an empty
 *         cmdline, as kernel threads and zombies have, shows the command
 *         name in brackets, "[kthreadd]", and a zombie's adds
 *         " <defunct>"; a cmdline of nothing but NULs shows "?". */

/* Buffers reused from one process to the next, so that listing a thousand
 * processes does not allocate three thousand times. */
struct ps_reader {
    struct buf stat, status, cmdline;
    bool utf8; /* escape for a UTF-8 terminal (esc_locale_is_utf8()) */
};

/* What a row shows. args points into the reader: valid until the next
 * ps_row_read() on it. */
struct ps_row {
    int pid;
    int ppid;
    char stat[8]; /* NUL-terminated: the state and up to 6 letters */
    const char *args;
    size_t args_len;
};

/* Prepares a reader; allocates nothing yet. */
void ps_reader_init(struct ps_reader *r, bool utf8);

/* Frees the reader's buffers. */
void ps_reader_free(struct ps_reader *r);

/* Reads the process pid through proc_fd (a descriptor of /proc, or of a
 * directory laid out like it) into *row. Returns 0; or a negative errno
 * with *failed set to the file that failed ("" for the directory
 * /proc/PID itself, else "stat", "status" or "cmdline"): ENOENT or ESRCH
 * (procfs_vanished()) mean the process is gone, which is no error for
 * ps; -EINVAL means a file did not have the expected shape. */
int ps_row_read(struct ps_reader *r, int proc_fd, int pid, struct ps_row *row, const char **failed);

#endif
