/* mlsof: the open descriptors of every process, or of the PIDs given.
 *
 *   PID FD TYPE NAME
 *   1234 0 CHR /dev/null
 *   1234 3 SOCK socket:[56789]
 *
 * This file is the command line, the walk and the output; what one
 * descriptor shows is lib/fdinfo.c, listing and reading /proc is shared
 * with mps (impl/ps/lib/procfs.c), and so is writing the output and
 * reporting a write error (impl/ps/lib/listout.c). See README.md. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fdinfo.h"
#include "listout.h"
#include "procfs.h"

#define USAGE                                                                                      \
    "usage: %s [PID...]\nLists the open descriptors of the processes given (all without PID):\n"   \
    "PID FD TYPE NAME, one per line.\n"

static const char *prog = "mlsof";

/* The listing on stdout, which stops at the first write error. */
static struct listout out;

/* A PID operand, and how it was written (for the message if it does not
 * exist: "007" stays "007"). */
struct operand {
    long long pid;
    const char *text;
};

/* Digits only -> the number (LLONG_MAX if longer than 18 digits: no
 * process has such a PID, and /proc says so), or -1 for anything else. */
static long long parse_pid(const char *s)
{
    long long v = 0;
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (i < 18)
            v = v * 10 + (s[i] - '0');
        else
            v = LLONG_MAX;
    }
    return i == 0 ? -1 : v;
}

static int cmp_operand(const void *a, const void *b)
{
    long long x = ((const struct operand *)a)->pid, y = ((const struct operand *)b)->pid;

    return (x > y) - (x < y);
}

/* Prints the lines of one process. named: the operand that gave the PID,
 * whose absence is worth a message; NULL when the PID came from listing
 * /proc. Returns 0, or 1 when something went wrong that the exit status
 * must tell. */
static int list_process(long long pid, const char *named, struct buf *link)
{
    char path[40];
    int *fds = NULL;
    size_t nfds = 0;
    int dir, rc, status = 0;

    /* Opened once: the listing and every descriptor's readlinkat and
     * fstatat go through this descriptor, so they all describe the same
     * process even if it exits and its PID is reused meanwhile. */
    snprintf(path, sizeof(path), "/proc/%lld/fd", pid);
    dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        rc = -errno;
        if (procfs_vanished(rc)) {
            if (named == NULL)
                return 0; /* exited since /proc was listed */
            fprintf(stderr, "%s: %s: No such process\n", prog, named);
            return 1;
        }
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-rc));
        return 1;
    }
    rc = procfs_list_numeric(dir, &fds, &nfds);
    if (rc < 0) {
        close(dir);
        if (procfs_vanished(rc))
            return 0;
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-rc));
        return 1;
    }
    for (size_t i = 0; i < nfds && out.error == 0; i++) {
        struct fdinfo fi;
        char cols[64];
        int n;

        rc = fdinfo_read(dir, fds[i], link, &fi);
        if (procfs_vanished(rc))
            continue; /* closed since the listing, or the process exited */
        if (rc < 0) {
            fprintf(stderr, "%s: %s/%d: %s\n", prog, path, fds[i], strerror(-rc));
            status = 1;
            continue;
        }
        n = snprintf(cols, sizeof(cols), "%lld %d %s ", pid, fi.fd, fi.type);
        listout_write(&out, cols, (size_t)n);
        listout_write(&out, fi.name, fi.name_len);
        listout_write(&out, "\n", 1);
    }
    free(fds);
    close(dir);
    return status;
}

int main(int argc, char **argv)
{
    struct operand *ops = NULL;
    struct buf link;
    int *pids = NULL;
    size_t npids = 0, nops = 0;
    bool options = true;
    int proc_fd, rc, status = 0;

    if (argc > 0 && argv[0][0] != '\0') {
        const char *slash = strrchr(argv[0], '/');
        prog = slash != NULL ? slash + 1 : argv[0];
    }
    /* Every operand is checked before anything is printed: a usage error
     * produces no partial listing. */
    if (argc > 1) {
        ops = malloc((size_t)(argc - 1) * sizeof(*ops));
        if (ops == NULL) {
            fprintf(stderr, "%s: %s\n", prog, strerror(ENOMEM));
            return 1;
        }
    }
    for (int i = 1; i < argc; i++) {
        long long pid;

        if (options && strcmp(argv[i], "--") == 0) {
            options = false;
            continue;
        }
        if (options && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            printf(USAGE, prog);
            free(ops);
            return fflush(stdout) == 0 ? 0 : 1;
        }
        pid = parse_pid(argv[i]);
        if (pid < 0) {
            fprintf(stderr, "%s: not a PID: '%s'\n" USAGE, prog, argv[i], prog);
            free(ops);
            return 2;
        }
        ops[nops].pid = pid;
        ops[nops++].text = argv[i];
    }

    if (nops == 0) {
        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = proc_fd < 0 ? -errno : procfs_list_numeric(proc_fd, &pids, &npids);
        if (proc_fd >= 0)
            close(proc_fd);
        if (rc < 0) {
            fprintf(stderr, "%s: /proc: %s\n", prog, strerror(-rc));
            free(ops);
            return 1;
        }
    } else {
        /* Ascending order, each PID once, whatever order they came in. */
        qsort(ops, nops, sizeof(*ops), cmp_operand);
    }

    listout_init(&out, stdout);
    listout_write(&out, "PID FD TYPE NAME\n", 17);
    buf_init(&link, FDINFO_LINK_MAX);
    for (size_t i = 0; i < nops && out.error == 0; i++) {
        /* Each PID once; every number too long to be one gets its message. */
        if (i > 0 && ops[i].pid == ops[i - 1].pid && ops[i].pid != LLONG_MAX)
            continue;
        if (list_process(ops[i].pid, ops[i].text, &link) != 0)
            status = 1;
    }
    for (size_t i = 0; i < npids && out.error == 0; i++) {
        if (list_process(pids[i], NULL, &link) != 0)
            status = 1;
    }
    buf_free(&link);
    free(ops);
    free(pids);

    return listout_finish(&out, prog) != 0 ? 1 : status;
}
