/* mps: every process, as `ps -eo pid,ppid,stat,args` shows it.
 *
 * This file is the command line and the columns; reading a process is
 * lib/psrow.c (the rules of each column), lib/procfs.c (listing /proc,
 * reading its files, parsing stat) and lib/escape.c (what a command line
 * may print); lib/listout.c writes the output and reports a write error.
 * See README.md. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "listout.h"
#include "procfs.h"
#include "psrow.h"

#define USAGE                                                                                      \
    "usage: %s\nLists every process: PID, PPID, STAT and the command line (ARGS),\n"               \
    "as `ps -eo pid,ppid,stat,args` does.\n"

static const char *prog = "mps";

/* The listing on stdout, which stops at the first write error. */
static struct listout out;

/* The width of the PID columns: as many digits as the largest PID the
 * kernel hands out (/proc/sys/kernel/pid_max), as ps does. It only moves
 * columns, so a pid_max that cannot be read is no error: ps's classic 5. */
static int pid_width(int proc_fd)
{
    struct buf b;
    long long max = 0;
    int width = 0;

    buf_init(&b, 64);
    if (procfs_read_at(proc_fd, "sys/kernel/pid_max", &b) == 0) {
        const char *s = buf_peek(&b);

        /* At most 10 digits (the kernel's limit is 4194304): a longer
         * number, in a fake /proc, would overflow. */
        for (size_t i = 0; i < buf_len(&b) && i < 10 && s[i] >= '0' && s[i] <= '9'; i++)
            max = max * 10 + (s[i] - '0');
    }
    buf_free(&b);
    if (max <= 0)
        return 5;
    /* PIDs go up to pid_max - 1. */
    for (max -= 1; max > 0; max /= 10)
        width++;
    return width;
}

int main(int argc, char **argv)
{
    struct ps_reader reader;
    int *pids = NULL;
    size_t npids = 0;
    int proc_fd, rc, w, status = 0;
    char head[64];

    if (argc > 0 && argv[0][0] != '\0') {
        const char *slash = strrchr(argv[0], '/');
        prog = slash != NULL ? slash + 1 : argv[0];
    }
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf(USAGE, prog);
            return fflush(stdout) == 0 ? 0 : 1;
        }
        fprintf(stderr, "%s: unexpected argument '%s'\n" USAGE, prog, argv[1], prog);
        return 2;
    }
    /* ARGS is escaped for the terminal's character set (LC_ALL, LC_CTYPE,
     * LANG), as ps does: in C.UTF-8, "café" prints as is; in C, as "caf??". */
    setlocale(LC_CTYPE, "");

    proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0) {
        fprintf(stderr, "%s: /proc: %s\n", prog, strerror(errno));
        return 1;
    }
    rc = procfs_list_numeric(proc_fd, &pids, &npids);
    if (rc < 0) {
        fprintf(stderr, "%s: /proc: %s\n", prog, strerror(-rc));
        close(proc_fd);
        return 1;
    }

    w = pid_width(proc_fd);
    snprintf(head, sizeof(head), "%*s %*s STAT COMMAND\n", w < 3 ? 3 : w, "PID", w < 4 ? 4 : w,
             "PPID");
    listout_init(&out, stdout);
    listout_write(&out, head, strlen(head));

    ps_reader_init(&reader, esc_locale_is_utf8());
    for (size_t i = 0; i < npids && out.error == 0; i++) {
        struct ps_row row;
        const char *failed;
        char cols[64];
        int n;

        rc = ps_row_read(&reader, proc_fd, pids[i], &row, &failed);
        if (procfs_vanished(rc))
            continue; /* exited since /proc was listed: not an error */
        if (rc < 0) {
            fprintf(stderr, "%s: /proc/%d%s%s: %s\n", prog, pids[i], *failed ? "/" : "", failed,
                    strerror(-rc));
            status = 1;
            continue;
        }
        n = snprintf(cols, sizeof(cols), "%*d %*d %-4s ", w < 3 ? 3 : w, row.pid, w < 4 ? 4 : w,
                     row.ppid, row.stat);
        listout_write(&out, cols, (size_t)n);
        listout_write(&out, row.args, row.args_len);
        listout_write(&out, "\n", 1);
    }
    ps_reader_free(&reader);
    free(pids);
    close(proc_fd);

    return listout_finish(&out, prog) != 0 ? 1 : status;
}
