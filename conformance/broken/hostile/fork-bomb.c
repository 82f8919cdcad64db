/* HOSTILE: fork bomb: every process forks forever and nobody ever listens */
/* The classic `while (1) fork();`: the number of processes doubles until
 * something stops it. Only a limit on processes does (a pids cgroup; for a
 * user other than root also RLIMIT_NPROC, which root ignores), so the sandbox
 * must bound it, the harness must give up on readiness, and every last copy
 * must be found and killed afterwards.
 *
 * Unlike a real bomb it checks its cage first: outside osnet's sandbox, or
 * with no limit on processes, it refuses to run (exit 3) rather than take the
 * machine down. And after a failed fork it naps for 10 ms, so that
 * the processes the limit holds do not also eat both cores of a shared test
 * machine; the limit is what is being tested, not the scheduler.
 */
#include "../echo/common.h"
#include <sys/resource.h>

/* Whether the cgroup hierarchy line of /proc/self/cgroup ("5:pids:/a/b",
 * or "0::/a/b" for cgroup2) puts us under a pids.max other than "max", at
 * our level or any level above. */
static int pids_limited(const char *line)
{
    const char *path = strchr(line, ':');
    const char *mnt = "/sys/fs/cgroup";
    if (path == NULL || (path = strchr(path + 1, ':')) == NULL)
        return 0;
    if (strstr(line, ":pids:") != NULL)
        mnt = "/sys/fs/cgroup/pids";
    else if (strncmp(line, "0::", 3) != 0)
        return 0;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s", mnt, path + 1);
    dir[strcspn(dir, "\n")] = '\0';
    for (;;) {
        char file[4200], val[32] = "";
        snprintf(file, sizeof file, "%s/pids.max", dir);
        FILE *f = fopen(file, "r");
        if (f != NULL) {
            int got = fgets(val, sizeof val, f) != NULL;
            fclose(f);
            if (got && strncmp(val, "max", 3) != 0)
                return 1;
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || strlen(dir) <= strlen(mnt))
            return 0;
        *slash = '\0';
    }
}

/* Whether something will stop the bomb: a pids cgroup limit, or
 * RLIMIT_NPROC for a user the kernel enforces it on (not root). */
static int caged(void)
{
    struct rlimit rl;
    if (getuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        return 1;
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[4096];
    int limited = 0;
    while (f != NULL && !limited && fgets(line, sizeof line, f) != NULL)
        limited = pids_limited(line);
    if (f != NULL)
        fclose(f);
    return limited;
}

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    if (getenv("OSNET_SANDBOX") == NULL || !caged()) {
        fprintf(stderr, "fork-bomb: refusing to run: %s\n",
                getenv("OSNET_SANDBOX") == NULL ? "not in osnet's sandbox (OSNET_SANDBOX unset)"
                                                : "no limit on the number of processes");
        return 3;
    }
    fprintf(stderr, "fork-bomb: forking on %s:%s's behalf, forever\n", o.host, o.port);
    for (;;) {
        if (fork() < 0) /* HOSTILE: parent and child both go round again */
            echo_sleep_ms(10);
    }
}
