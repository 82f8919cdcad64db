#include "psrow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "procfs.h"

void ps_reader_init(struct ps_reader *r, bool utf8)
{
    buf_init(&r->stat, PROCFS_FILE_MAX);
    buf_init(&r->status, PROCFS_FILE_MAX);
    buf_init(&r->cmdline, PROCFS_FILE_MAX);
    r->utf8 = utf8;
}

void ps_reader_free(struct ps_reader *r)
{
    buf_free(&r->stat);
    buf_free(&r->status);
    buf_free(&r->cmdline);
}

/* The STAT column: the state letter and ps's extra letters, in ps's order. */
static void make_stat(const struct procfs_stat *st, long long locked_kb, char out[8])
{
    size_t n = 0;

    out[n++] = st->state;
    if (st->nice < 0)
        out[n++] = '<';
    if (st->nice > 0)
        out[n++] = 'N';
    if (locked_kb > 0)
        out[n++] = 'L';
    if (st->session == st->pid)
        out[n++] = 's';
    if (st->num_threads > 1)
        out[n++] = 'l';
    if (st->tpgid == st->pgrp)
        out[n++] = '+';
    out[n] = '\0';
}

/* ARGS when there is no command line: "[comm]", or "[comm] <defunct>" for
 * a zombie, built in r->cmdline (which is empty). The name gets the first
 * escaping pass alone, before the brackets are added, as in procps; the
 * second pass sees the whole. */
static int bracket_comm(struct ps_reader *r, struct procfs_stat *st)
{
    static const char defunct[] = " <defunct>";
    char *tail;
    size_t avail, n = 0;
    int rc;

    rc = buf_reserve(&r->cmdline, st->comm_len + 2 + sizeof(defunct), &tail, &avail);
    if (rc < 0)
        return rc;
    tail[n++] = '[';
    memcpy(tail + n, st->comm, st->comm_len);
    n += esc_ps_bytes(tail + n, st->comm_len, r->utf8);
    tail[n++] = ']';
    if (st->state == 'Z') {
        memcpy(tail + n, defunct, sizeof(defunct) - 1);
        n += sizeof(defunct) - 1;
    }
    buf_commit(&r->cmdline, esc_ps_chars(tail, n, r->utf8));
    return 0;
}

int ps_row_read(struct ps_reader *r, int proc_fd, int pid, struct ps_row *row, const char **failed)
{
    struct procfs_stat st;
    long long locked_kb = 0;
    char name[16];
    int dir, rc;

    *failed = "";
    snprintf(name, sizeof(name), "%d", pid);
    dir = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -errno;

    *failed = "stat";
    rc = procfs_read_at(dir, "stat", &r->stat);
    if (rc < 0)
        goto out;
    rc = procfs_parse_stat(buf_peek(&r->stat), buf_len(&r->stat), &st);
    if (rc < 0)
        goto out;

    *failed = "status";
    rc = procfs_read_at(dir, "status", &r->status);
    if (rc < 0)
        goto out;
    rc = procfs_status_number(buf_peek(&r->status), buf_len(&r->status), "VmLck", &locked_kb);
    if (rc == -ENOENT) /* kernel threads and zombies have no memory at all */
        locked_kb = 0;
    else if (rc < 0)
        goto out;

    /* Read last: a process that exits between its stat and its cmdline
     * gives ESRCH here and is skipped like any other that vanished. */
    *failed = "cmdline";
    rc = procfs_read_at(dir, "cmdline", &r->cmdline);
    if (rc < 0)
        goto out;

    row->pid = pid;
    row->ppid = st.ppid;
    make_stat(&st, locked_kb, row->stat);
    if (buf_len(&r->cmdline) == 0) {
        rc = bracket_comm(r, &st);
        if (rc < 0)
            goto out;
    } else {
        char *s = (char *)buf_peek(&r->cmdline);
        size_t len = procfs_join_cmdline(s, buf_len(&r->cmdline));

        if (len == 0) {
            /* Only NULs (argv of empty strings): ps prints "?". */
            s[0] = '?';
            len = 1;
        } else {
            len = esc_ps(s, len, r->utf8);
        }
        buf_truncate(&r->cmdline, len);
    }
    row->args = buf_peek(&r->cmdline);
    row->args_len = buf_len(&r->cmdline);
    *failed = NULL;
    rc = 0;
out:
    close(dir);
    return rc;
}
