/*
 * osnet-sandbox: start a program under test inside its limits.
 *
 *   osnet-sandbox [--cpu S] [--as BYTES] [--nproc N] [--nofile N]
 *                 [--fsize BYTES] [--cgroup DIR]... -- PROG ARGS...
 *
 * Joins each cgroup folder given (by writing its pid to DIR/cgroup.procs),
 * sets the resource limits, asks the kernel to kill it when its parent (the
 * test harness) dies, then execs PROG in place: same pid, same process
 * group, same descriptors. Everything happens before the exec, so nothing
 * the program does, not even its first instruction, runs outside them.
 * This is why the harness does not use Python's preexec_fn, which is unsafe
 * in a process with threads.
 *
 * Exit status: 126 if the sandbox cannot be set up, 127 if PROG cannot be
 * run; each time with one line on stderr starting "osnet-sandbox: ", which
 * the harness looks for to tell the sandbox's errors from the program's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXIT_SETUP  126
#define EXIT_EXEC   127
#define MAX_CGROUPS 8

struct limit {
    int resource;
    const char *name;
    rlim_t soft, hard;
    int set;
};

/* Prints one line on stderr, prefixed "osnet-sandbox: " for the harness. */
static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("osnet-sandbox: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Parses a decimal count of bytes, seconds or processes into *out; 0 or -EINVAL. */
static int parse_count(const char *text, rlim_t *out)
{
    char *end;
    uintmax_t v;

    if (*text < '0' || *text > '9')
        return -EINVAL;
    errno = 0;
    v = strtoumax(text, &end, 10);
    if (errno != 0 || *end != '\0' || v >= (uintmax_t)RLIM_INFINITY)
        return -EINVAL;
    *out = (rlim_t)v;
    return 0;
}

/* Moves this process into the cgroup folder dir; 0 or -errno. */
static int join_cgroup(const char *dir)
{
    char path[PATH_MAX], pid[32];
    int fd, n, rc = 0;
    ssize_t w;

    n = snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    w = write(fd, pid, (size_t)n);
    if (w != n)
        rc = w < 0 ? -errno : -EIO; /* a short write sets no errno */
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

/*
 * Asks for SIGKILL when the parent dies. If it died before the request
 * was made (the ppid changed since we started), nobody is left to stop
 * the program: give up now. -errno if the request fails.
 *
 * This covers the program itself only: fork() clears the request in the
 * child, so what the program starts (and any setsid daemon) outlives the
 * harness; its cgroup, or the scan for its tag, catches those. And the
 * kernel sends the signal when the parent *thread* exits, not the whole
 * process: the harness must start programs from a thread that outlives them.
 */
static int die_with_parent(pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return -errno;
    if (getppid() != parent)
        return -ESRCH;
    return 0;
}

/* Prints the usage line, prefixed like every error of ours. */
static void usage(void)
{
    say("usage: osnet-sandbox [--cpu S] [--as BYTES] [--nproc N] [--nofile N] "
        "[--fsize BYTES] [--cgroup DIR]... -- PROG ARGS...");
}

int main(int argc, char **argv)
{
    /* A limit option's value (getopt_long's return) is its index here. */
    struct limit limits[] = {
        {RLIMIT_CPU, "RLIMIT_CPU", 0, 0, 0},     {RLIMIT_AS, "RLIMIT_AS", 0, 0, 0},
        {RLIMIT_NPROC, "RLIMIT_NPROC", 0, 0, 0}, {RLIMIT_NOFILE, "RLIMIT_NOFILE", 0, 0, 0},
        {RLIMIT_FSIZE, "RLIMIT_FSIZE", 0, 0, 0},
    };
    static const struct option opts[] = {
        {"cpu", required_argument, NULL, 0},
        {"as", required_argument, NULL, 1},
        {"nproc", required_argument, NULL, 2},
        {"nofile", required_argument, NULL, 3},
        {"fsize", required_argument, NULL, 4},
        {"cgroup", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    const char *cgroups[MAX_CGROUPS];
    size_t ncgroups = 0;
    pid_t parent = getppid();
    int opt, rc;

    /* getopt's own messages would start with our full path, not the
     * "osnet-sandbox: " the harness looks for: we print them ourselves.
     * "+" stops at PROG, ":" tells a missing value from a bad option. */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            say("%s: %s", opt == ':' ? "missing value" : "unknown option", argv[optind - 1]);
            usage();
            return EXIT_SETUP;
        } else if (opt == 'g') {
            if (ncgroups == MAX_CGROUPS) {
                say("more than %d --cgroup folders", MAX_CGROUPS);
                return EXIT_SETUP;
            }
            cgroups[ncgroups++] = optarg;
        } else if (opt >= 0 && opt < (int)(sizeof(limits) / sizeof(limits[0]))) {
            struct limit *l = &limits[opt];

            if (parse_count(optarg, &l->soft) < 0) {
                say("--%s: not a number: %s", opts[opt].name, optarg);
                return EXIT_SETUP;
            }
            /* CPU: the soft limit sends SIGXCPU, the hard one 2 s later
             * SIGKILL, for a program that handles SIGXCPU and spins on
             * (unlimited when soft + 2 would pass RLIM_INFINITY). */
            l->hard = l->soft;
            if (l->resource == RLIMIT_CPU)
                l->hard = l->soft >= RLIM_INFINITY - 2 ? RLIM_INFINITY : l->soft + 2;
            l->set = 1;
        } else {
            usage();
            return EXIT_SETUP;
        }
    }
    if (optind >= argc) {
        usage();
        return EXIT_SETUP;
    }
    /* The cgroups first: the limits below might keep us from opening files. */
    for (size_t i = 0; i < ncgroups; i++) {
        rc = join_cgroup(cgroups[i]);
        if (rc < 0) {
            say("cannot join cgroup %s: %s", cgroups[i], strerror(-rc));
            return EXIT_SETUP;
        }
    }
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        struct rlimit rl = {limits[i].soft, limits[i].hard};

        if (limits[i].set && setrlimit(limits[i].resource, &rl) < 0) {
            say("cannot set %s to %ju: %s", limits[i].name, (uintmax_t)limits[i].soft,
                strerror(errno));
            return EXIT_SETUP;
        }
    }
    rc = die_with_parent(parent);
    if (rc < 0) {
        say("%s", rc == -ESRCH ? "the harness is gone: not starting the program"
                               : "cannot ask to die with the harness (prctl)");
        return EXIT_SETUP;
    }
    execvp(argv[optind], &argv[optind]);
    say("cannot run %s: %s", argv[optind], strerror(errno));
    return EXIT_EXEC;
}
