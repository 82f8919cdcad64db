/* sumsq: 1^2 + 2^2 + ... + N^2, exactly, in unsigned 128-bit arithmetic, cut
 * into K contiguous ranges summed by K worker processes (fork, one pipe
 * each) or K threads.
 *
 *     sumsq --mode proc|thread -j K N
 *
 * The arithmetic and the split are lib/work.c, the text of numbers
 * lib/num.c, the reading of partial sums from pipes lib/pipemsg.c. This
 * file is the command line and the two ways of running workers, and above
 * all what happens when one of them fails: every worker already started is
 * stopped and waited for, the reason is printed, nothing goes to stdout. A
 * wrong sum is never printed. See README.md. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h" /* impl/lib: fdio_write_all, fdio_say (the error line) */
#include "num.h"
#include "pipemsg.h"
#include "work.h"

#define SYNOPSIS "--mode proc|thread -j K N"
#define USAGE    "usage: %s " SYNOPSIS "\n"

/* What a process worker sends its parent: its partial sum, the 16 bytes of
 * an unsigned __int128 as they are in memory (parent and child are the same
 * program on the same machine, so no byte order question arises). */
#define PART_SIZE sizeof(unsigned __int128)

/* Threads only run the summing loop: a small stack is plenty, and 1024
 * threads of the default 8 MiB would reserve 8 GiB of address space, which
 * a limit on virtual memory (ulimit -v) or a sanitizer may refuse. */
#define THREAD_STACK (256u * 1024)

/* ---- process mode ----------------------------------------------------- */

struct worker {
    pid_t pid;
    int fd;                        /* read end of its pipe, -1 once closed */
    bool reaped;                   /* waitpid() has collected it */
    size_t got;                    /* bytes of part received so far */
    unsigned char part[PART_SIZE]; /* its partial sum */
};

/* The body of worker i (a child process): sum its range, send the result
 * down its pipe, exit. It never returns to main(): _exit() skips atexit
 * handlers and stdio buffers, which belong to the parent. */
static void __attribute__((noreturn))
worker_main(uint64_t n, unsigned k, unsigned i, int fd, pid_t parent)
{
    struct work_range r = work_split(n, k, i);
    unsigned __int128 sum;
    unsigned char part[PART_SIZE];

    /* Die with the parent: if it is killed (SIGKILL cannot be caught, so it
     * cannot stop us itself), a worker of a big N would otherwise run on
     * for hours. The getppid() check closes the window in which the parent
     * died before prctl(). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(1);
    (void)work_sum_squares(&r, NULL, &sum); /* cannot fail without a stop flag */
    memcpy(part, &sum, PART_SIZE);
    _exit(fdio_write_all(fd, part, PART_SIZE) == 0 ? 0 : 1);
}

/* The parent holds the read end of every worker's pipe at once: K + 3
 * descriptors, more than the usual soft limit of 1024 for K near 1024.
 * Raises the soft limit as far as needed, if the hard limit allows; if it
 * does not, pipe() fails with EMFILE and says so. */
static void fit_fd_limit(unsigned k)
{
    rlim_t need = (rlim_t)k + 16;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* waitpid() for one child, again if a signal interrupts it. */
static int reap(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

/* The failure path: SIGKILL every worker not yet waited for, then wait for
 * each, so that none is left running or as a zombie. Killing a child that
 * has not been reaped is safe: its pid cannot have been reused yet. */
static void stop_workers(struct worker *w, unsigned started)
{
    for (unsigned i = 0; i < started; i++) {
        if (!w[i].reaped)
            kill(w[i].pid, SIGKILL);
    }
    for (unsigned i = 0; i < started; i++) {
        if (w[i].fd >= 0)
            close(w[i].fd);
        w[i].fd = -1;
        if (!w[i].reaped)
            (void)reap(w[i].pid, NULL);
        w[i].reaped = true;
    }
}

/* Worker i's pipe is at end of file: it has exited (or is exiting) and
 * closed its end. Waits for it and checks that it ended well: exit status 0
 * and its whole partial sum sent. Returns 0, or -1 after saying what went
 * wrong. */
static int finish_worker(struct worker *w, unsigned i)
{
    int status, rc;

    close(w->fd);
    w->fd = -1;
    rc = reap(w->pid, &status);
    if (rc < 0) {
        fdio_say("waitpid: %s", strerror(-rc));
        return -1;
    }
    w->reaped = true;
    if (WIFSIGNALED(status)) {
        fdio_say("worker %u (pid %d) killed by signal %d (%s)", i + 1, (int)w->pid,
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        fdio_say("worker %u (pid %d) exited with status %d", i + 1, (int)w->pid,
                 WEXITSTATUS(status));
        return -1;
    }
    if (w->got != PART_SIZE) {
        fdio_say("worker %u (pid %d) sent %zu of the %zu bytes of its partial sum", i + 1,
                 (int)w->pid, w->got, PART_SIZE);
        return -1;
    }
    return 0;
}

/* Waits for every worker's partial sum and exit. poll() watches all the
 * pipes at once, so whichever worker finishes or dies first is seen at
 * once, whatever the order: a worker's end of file (its exit closes its
 * pipe, even when a signal kills it) wakes the parent as data does. Returns 0
 * with every worker reaped and every partial in place, or -1 after saying
 * what went wrong (the caller stops the others). */
static int collect(struct worker *w, unsigned k)
{
    struct pollfd *pfd = calloc(k, sizeof(*pfd));
    unsigned running = k;

    if (pfd == NULL) {
        fdio_say("%s", strerror(ENOMEM));
        return -1;
    }
    for (unsigned i = 0; i < k; i++)
        pfd[i] = (struct pollfd){.fd = w[i].fd, .events = POLLIN};
    while (running > 0) {
        if (poll(pfd, k, -1) < 0) {
            if (errno == EINTR)
                continue;
            fdio_say("poll: %s", strerror(errno));
            goto fail;
        }
        for (unsigned i = 0; i < k; i++) {
            int rc;

            /* POLLHUP without POLLIN is the end of file of a pipe whose
             * writer is gone: read() returns 0 for it, handled below. */
            if (pfd[i].revents == 0)
                continue;
            rc = pipemsg_read(w[i].fd, w[i].part, PART_SIZE, &w[i].got);
            if (rc > 0)
                continue;
            if (rc == -EMSGSIZE) {
                fdio_say("worker %u (pid %d) sent more than %zu bytes", i + 1, (int)w[i].pid,
                         PART_SIZE);
                goto fail;
            }
            if (rc < 0) {
                fdio_say("worker %u: read: %s", i + 1, strerror(-rc));
                goto fail;
            }
            pfd[i].fd = -1; /* poll() skips negative descriptors */
            running--;
            if (finish_worker(&w[i], i) < 0)
                goto fail;
        }
    }
    free(pfd);
    return 0;
fail:
    free(pfd);
    return -1;
}

/* Proc mode: one child per range, each with its own pipe. Returns 0 and the
 * sum in *total, or -1 after saying what went wrong, with every child that
 * was started killed and reaped. */
static int run_proc(uint64_t n, unsigned k, unsigned __int128 *total)
{
    struct worker *w = calloc(k, sizeof(*w));
    pid_t self = getpid();
    unsigned started = 0;

    if (w == NULL) {
        fdio_say("%s", strerror(ENOMEM));
        return -1;
    }
    fit_fd_limit(k);
    for (; started < k; started++) {
        int p[2];
        pid_t pid;

        if (pipe(p) < 0) {
            fdio_say("pipe: %s", strerror(errno));
            goto fail;
        }
        pid = fork();
        if (pid < 0) {
            int err = errno;

            close(p[0]);
            close(p[1]);
            fdio_say("fork: %s", strerror(err));
            goto fail;
        }
        if (pid == 0) {
            /* The child inherited the read ends of the earlier workers'
             * pipes; it has no use for them. It holds no other worker's
             * write end: the parent closes each one right after its fork.
             * Its own write end goes to descriptor 3 and one close_range
             * drops everything above: closing the read ends one by one
             * would cost K calls in each of K children (K^2 in all). */
            int out = p[1];

            if (dup2(p[1], 3) == 3) {
                out = 3;
                if (close_range(4, ~0U, 0) < 0) {
                    for (unsigned i = 0; i < started; i++)
                        if (w[i].fd != 3)
                            close(w[i].fd);
                    if (p[0] != 3)
                        close(p[0]);
                    if (p[1] != 3)
                        close(p[1]);
                }
            } else {
                close(p[0]);
                for (unsigned i = 0; i < started; i++)
                    close(w[i].fd);
            }
            worker_main(n, k, started, out, self);
        }
        /* Closing the parent's copy of the write end leaves the child's as
         * the only one: its exit is then the pipe's end of file. */
        close(p[1]);
        w[started] = (struct worker){.pid = pid, .fd = p[0]};
    }
    if (collect(w, k) < 0)
        goto fail;
    *total = 0;
    for (unsigned i = 0; i < k; i++) {
        unsigned __int128 part;

        memcpy(&part, w[i].part, PART_SIZE);
        *total += part;
    }
    free(w);
    return 0;
fail:
    stop_workers(w, started);
    free(w);
    return -1;
}

/* ---- thread mode ------------------------------------------------------ */

struct job {
    struct work_range range;
    const atomic_bool *stop;
    unsigned __int128 sum;
};

static void *job_main(void *arg)
{
    struct job *j = arg;

    /* -ECANCELED only when told to stop, and then no sum is wanted. */
    (void)work_sum_squares(&j->range, j->stop, &j->sum);
    return NULL;
}

/* Thread mode: one thread per range. If a thread cannot be created, the
 * ones already running are told to stop through a shared flag, which they
 * read every WORK_STOP_EVERY terms (about a millisecond), and joined: a
 * clean exit, without pthread_cancel() (whose cancellation points a pure
 * computing loop never reaches) and without waiting hours for a big N.
 * Returns 0 and the sum in *total, or -1 after saying what went wrong. */
static int run_thread(uint64_t n, unsigned k, unsigned __int128 *total)
{
    struct job *jobs = calloc(k, sizeof(*jobs));
    pthread_t *tid = calloc(k, sizeof(*tid));
    atomic_bool stop = false;
    unsigned started = 0;
    pthread_attr_t attr;
    int rc = -1, err;

    if (jobs == NULL || tid == NULL) {
        fdio_say("%s", strerror(ENOMEM));
        goto out;
    }
    err = pthread_attr_init(&attr);
    if (err != 0) {
        fdio_say("pthread_attr_init: %s", strerror(err));
        goto out;
    }
    err = pthread_attr_setstacksize(&attr, THREAD_STACK);
    if (err != 0) {
        fdio_say("pthread_attr_setstacksize: %s", strerror(err));
        pthread_attr_destroy(&attr);
        goto out;
    }
    for (; started < k; started++) {
        jobs[started] = (struct job){.range = work_split(n, k, started), .stop = &stop};
        /* pthread_create returns the error instead of setting errno. */
        err = pthread_create(&tid[started], &attr, job_main, &jobs[started]);
        if (err != 0) {
            fdio_say("pthread_create: %s", strerror(err));
            atomic_store(&stop, true);
            break;
        }
    }
    pthread_attr_destroy(&attr);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (started < k)
        goto out;
    *total = 0;
    for (unsigned i = 0; i < k; i++)
        *total += jobs[i].sum;
    rc = 0;
out:
    free(jobs);
    free(tid);
    return rc;
}

/* ---- command line ----------------------------------------------------- */

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, 'm'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *mode = NULL, *jobs = NULL;
    unsigned __int128 total;
    uint64_t n, k;
    char text[NUM_U128_DIGITS + 2];
    size_t len;
    int c, rc;

    /* getopt_long accepts "--mode proc", "--mode=proc", "-j 4", "-j4",
     * "--jobs 4", in any order and before or after N. Its own messages are
     * off (opterr) so that every error line has the same form. (impl/lib's
     * args parses only "--name value" options, no short -j K and no
     * operand such as N.) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            mode = optarg;
            break;
        case 'j':
            jobs = optarg;
            break;
        case 'h':
            printf(USAGE "Prints 1^2 + 2^2 + ... + N^2 (N <= %llu), summed by K workers "
                         "(1..%u):\nprocesses (proc) or threads (thread).\n",
                   program_invocation_short_name, (unsigned long long)WORK_MAX_N, WORK_MAX_K);
            return 0;
        default: /* ':' a value missing, '?' an unknown option */
            return fdio_getopt_error(SYNOPSIS, c, argv);
        }
    }
    if (mode == NULL)
        return fdio_usage_error(SYNOPSIS, "--mode proc|thread is missing");
    if (strcmp(mode, "proc") != 0 && strcmp(mode, "thread") != 0)
        return fdio_usage_error(SYNOPSIS, "--mode: expected proc or thread, got '%s'", mode);
    if (jobs == NULL)
        return fdio_usage_error(SYNOPSIS, "-j K is missing");
    rc = num_parse_u64(jobs, WORK_MAX_K, &k);
    if (rc < 0 || k == 0)
        return fdio_usage_error(SYNOPSIS, "-j: expected a number from 1 to %u, got '%s'",
                                WORK_MAX_K, jobs);
    if (optind != argc - 1)
        return fdio_usage_error(SYNOPSIS, optind == argc ? "N is missing" : "one N expected");
    rc = num_parse_u64(argv[optind], WORK_MAX_N, &n);
    if (rc < 0)
        return fdio_usage_error(SYNOPSIS, "N: expected a number from 0 to %llu, got '%s'",
                                (unsigned long long)WORK_MAX_N, argv[optind]);

    if (strcmp(mode, "proc") == 0) {
        /* A SIGCHLD ignored by whoever started us stays ignored across
         * exec(), and then the kernel reaps children itself: waitpid() would
         * fail with ECHILD and never tell how a worker ended. */
        signal(SIGCHLD, SIG_DFL);
        rc = run_proc(n, (unsigned)k, &total);
    } else {
        rc = run_thread(n, (unsigned)k, &total);
    }
    if (rc < 0)
        return 1;

    len = num_format_u128(total, text);
    text[len++] = '\n';
    rc = fdio_write_all(1, text, len);
    if (rc < 0) {
        fdio_say("write error: %s", strerror(-rc));
        return 1;
    }
    return 0;
}
