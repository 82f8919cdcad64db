/* libcheck: helpers and failure injection for the library checks (see
 * libcheck.h). Linked into every check binary, built in the same sanitizer
 * variant as the implementation under test. */
#include "libcheck.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define LC_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LC_UNDER_TSAN 1
#endif
#endif

long lc_scale(long n)
{
#ifdef LC_UNDER_TSAN
    n /= 20;
#endif
    return n > 0 ? n : 1;
}

long lc_ms(long ms)
{
    const char *m = getenv("OSNET_TIMEOUT_MULTIPLIER");
    double f = m ? strtod(m, NULL) : 1.0;
    if (!(f > 0.0)) /* as the harness's T(): any positive factor */
        f = 1.0;
    return (long)((double)ms * f);
}

uint64_t lc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lc_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- failure injection --------------------------------------------------
 * Calls from every thread of the implementation come through here, so the
 * state is atomic. mode: 0 off, 1 fail the target-th call, 2 fail all. */
static struct {
    atomic_int mode;
    atomic_long calls;
    atomic_long target;
    atomic_int fired;
} lc_state[LC_KINDS];

void lc_fail_after(enum lc_kind kind, long n)
{
    atomic_store(&lc_state[kind].mode, 0);
    atomic_store(&lc_state[kind].calls, 0);
    atomic_store(&lc_state[kind].fired, 0);
    atomic_store(&lc_state[kind].target, n);
    atomic_store(&lc_state[kind].mode, 1);
}

void lc_fail_every(enum lc_kind kind)
{
    atomic_store(&lc_state[kind].calls, 0);
    atomic_store(&lc_state[kind].fired, 0);
    atomic_store(&lc_state[kind].mode, 2);
}

void lc_fail_off(void)
{
    for (int k = 0; k < LC_KINDS; k++)
        atomic_store(&lc_state[k].mode, 0);
}

long lc_calls(enum lc_kind kind)
{
    return atomic_load(&lc_state[kind].calls);
}

int lc_fired(enum lc_kind kind)
{
    return atomic_load(&lc_state[kind].fired);
}

/* Counts the call; says whether it is to fail. */
static int lc_fail_now(enum lc_kind kind)
{
    long nth = atomic_fetch_add(&lc_state[kind].calls, 1) + 1;
    int mode = atomic_load(&lc_state[kind].mode);
    if (mode == 2 || (mode == 1 && nth == atomic_load(&lc_state[kind].target))) {
        atomic_store(&lc_state[kind].fired, 1);
        return 1;
    }
    return 0;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
int __real_posix_memalign(void **out, size_t align, size_t size);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
int __wrap_posix_memalign(void **out, size_t align, size_t size);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t size)
{
    if (lc_fail_now(LC_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (lc_fail_now(LC_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    if (lc_fail_now(LC_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_realloc(p, size);
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
    if (lc_fail_now(LC_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_aligned_alloc(align, size);
}

int __wrap_posix_memalign(void **out, size_t align, size_t size)
{
    if (lc_fail_now(LC_MALLOC))
        return ENOMEM;
    return __real_posix_memalign(out, align, size);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (lc_fail_now(LC_MMAP)) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return __real_mmap(addr, len, prot, flags, fd, off);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (lc_fail_now(LC_PTHREAD_CREATE))
        return EAGAIN;
    return __real_pthread_create(t, attr, fn, arg);
}

/* ---- thread states ---------------------------------------------------- */

int lc_tid(void)
{
    return (int)syscall(SYS_gettid);
}

char lc_thread_state(int tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "tid (comm) S ...": comm may hold spaces and parentheses, the state
     * follows the last ')'. */
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

long lc_thread_sleeps(int tid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

int lc_thread_asleep(int tid, long ms)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(ms) * 1000000u;
    do {
        char st = lc_thread_state(tid);
        if (st == 'S' || st == 'D')
            return 1;
        if (st == 0)
            return 0;
        lc_sleep_ms(2);
    } while (lc_now_ns() < end);
    return 0;
}

int lc_await_asleep(atomic_int *tid, atomic_int *done, long ms)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(ms) * 1000000u;
    while (!atomic_load(done)) {
        int t = atomic_load(tid);
        char st = t ? lc_thread_state(t) : 0;
        if (st == 'S' || st == 'D')
            return t;
        if (lc_now_ns() > end)
            return 0;
        lc_sleep_ms(1);
    }
    return 0;
}

int lc_stays_blocked(int tid, long ms, char *why, size_t n)
{
    long samples = lc_ms(ms) / 10, runnable = 0;
    long before = lc_thread_sleeps(tid);
    for (long i = 0; i < samples; i++) {
        char st = lc_thread_state(tid);
        if (st == 0) {
            snprintf(why, n, "thread %d ended while it should have been blocked", tid);
            return 0;
        }
        runnable += st == 'R';
        lc_sleep_ms(10);
    }
    long slept = lc_thread_sleeps(tid) - before;
    if (runnable > 2 || slept > 10) {
        snprintf(why, n,
                 "thread %d, which should be blocked, was runnable in %ld of %ld samples "
                 "and went to sleep %ld times in %ld ms: %s",
                 tid, runnable, samples, slept, lc_ms(ms),
                 slept > 10 ? "it polls (a loop of short sleeps)" : "it spins (a busy wait)");
        return 0;
    }
    return 1;
}

/* ---- threads and the runner ------------------------------------------- */

int lc_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int lc_threads_settle(int n, long ms)
{
    uint64_t end = lc_now_ns() + (uint64_t)lc_ms(ms) * 1000000u;
    int now = lc_threads();
    while (now != n && lc_now_ns() < end) {
        lc_sleep_ms(10);
        now = lc_threads();
    }
    return now;
}

int lc_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s TEST | --list\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tests[i].name, argv[1]) != 0)
            continue;
        if (_cmocka_run_group_tests(argv[1], &tests[i], 1, NULL, NULL) == 0)
            return 0;
        /* A failed assertion jumps out of the test before its cleanup:
         * leave without the exit handlers, where LeakSanitizer would
         * report what the test never got to free, as if the
         * implementation had leaked it. */
        fflush(NULL);
        _exit(1);
    }
    fprintf(stderr, "%s: no test named %s in LIBCHECK_MAIN(...)\n", argv[0], argv[1]);
    return 3;
}
