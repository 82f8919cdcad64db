/* HOSTILE: allocates until killed: the first request makes it hoard memory */
/* A correct echo server until a client sends something; then it allocates
 * and fills memory 16 MiB at a time and never frees any, as a leak does
 * in a hurry. It does not check malloc (the classic omission). In a memory
 * cgroup (the sandbox's, when run as root) the kernel's OOM killer kills it
 * with SIGKILL once it holds the cgroup's limit; under an address-space
 * limit (RLIMIT_AS) malloc fails, it writes through NULL and dies of
 * SIGSEGV. Without a limit it takes every byte the machine has. Its stderr
 * says how much it holds, so a test can check the limit stopped it where
 * it should.
 *
 * Unlike a real leak it checks its cage first: with neither a finite
 * address-space limit nor a memory cgroup limit below the machine's memory,
 * it refuses to run (exit 3) rather than take a shared machine's memory.
 */
#include "../echo/common.h"
#include <limits.h>
#include <sys/resource.h>

#define CHUNK (16u << 20)

/* Every chunk starts with a pointer to the previous one, so the compiler
 * cannot prove the memory unused and drop the allocations. */
static void *volatile hoard;

static void allocate_forever(void)
{
    size_t total = 0;
    for (;;) {
        char *p = malloc(CHUNK); /* HOSTILE: never checked, never freed */
        memset(p, 0xa5, CHUNK);  /* touch every page: real memory, not a promise */
        *(void **)p = hoard;
        hoard = p;
        total += CHUNK;
        if (total % (64u << 20) == 0)
            fprintf(stderr, "allocates-until-killed: holding %zu MiB\n", total >> 20);
    }
}

/* Whether the comma-separated list `list` holds `word`. */
static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p; p = strchr(p, ',')) {
        p += *p == ',';
        if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/*
 * The limit of this process's memory cgroup (cgroup v1: its line
 * "N:memory:/path" in /proc/self/cgroup names the folder under
 * /sys/fs/cgroup/memory), or 0 when there is none that guards the machine:
 * no such cgroup, or a limit at or above the machine's memory (the
 * kernel's "no limit" is a huge number).
 */
static unsigned long long cgroup_memory_limit(void)
{
    char line[512], path[PATH_MAX] = "";
    unsigned long long limit = 0;
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *controllers = strchr(line, ':');
        char *dir = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!dir)
            continue;
        *dir++ = '\0';
        dir[strcspn(dir, "\n")] = '\0';
        if (has_word(controllers + 1, "memory")) {
            int n =
                snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", dir);
            if (n < 0 || (size_t)n >= sizeof path)
                path[0] = '\0';
        }
    }
    fclose(f);
    if (!path[0] || !(f = fopen(path, "r")))
        return 0;
    if (fscanf(f, "%llu", &limit) != 1)
        limit = 0;
    fclose(f);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && limit >= (unsigned long long)pages * (unsigned long long)page)
        return 0;
    return limit;
}

static void serve(int fd)
{
    char buf[ECHO_BUF_SIZE];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) < 0 && errno == EINTR)
        ;
    if (n > 0)
        allocate_forever();
    close(fd);
}

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    struct rlimit rl;
    int as_limited = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
    unsigned long long cg = cgroup_memory_limit();
    if (!as_limited && cg == 0) {
        fprintf(stderr, "allocates-until-killed: refusing to run: neither an address-space "
                        "limit nor a memory cgroup limit below the machine's memory\n");
        return 3;
    }
    if (cg)
        fprintf(stderr, "allocates-until-killed: memory cgroup limit %llu MiB\n", cg >> 20);
    echo_ignore_sigpipe();
    int lfd = echo_listen(o.host, o.port, 1);
    return echo_serve_threads(lfd, serve);
}
