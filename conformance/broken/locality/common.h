/* Shared, correct plumbing for the deliberately broken locality programs.
 *
 * This is a whole, correct `locality` (specs/locality.md) in one header:
 * the options --min-size, --max-size (powers of two from 1K to 64G, units
 * K, M, G and KiB, MiB, GiB), --max-stride, --no-random, --time, --reps,
 * -v; the working set mapped and written once before the header; for each
 * size, strides 1..S then a pointer chase round a random cycle (Sattolo);
 * each point warmed by one untimed unit, then batches of doubling size
 * until one lasts --time ms (--reps is checked and otherwise unused: one
 * batch is reported); one row per point, flushed as it comes; progress on
 * stderr with -v or when stderr is a terminal; usage errors exit 2, no
 * memory or a failed stdout exit 1.
 *
 * Each broken program replaces one piece through the `lo` hook table and
 * marks its lines BUG, so that it differs from a correct program in
 * exactly that piece.
 */
#ifndef OSNET_BROKEN_LOCALITY_COMMON_H
#define OSNET_BROKEN_LOCALITY_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define LO_SIZE_MIN   ((uint64_t)1 << 10)
#define LO_SIZE_MAX   ((uint64_t)1 << 36)
#define LO_CHASE_UNIT 1024u

/* The command line, once parsed. */
struct lo_opts {
    uint64_t min, max, stride, time_ms, reps;
    bool random, verbose;
};

/* One point: stride 0 is the random chase, which goes on from `at`. */
struct lo_point {
    const uint64_t *a;
    size_t n;
    unsigned stride;
    uint64_t at;
};

struct lo_hooks {
    /* The first line of stdout. */
    const char *header;
    /* What K stands for (M is its square, G its cube). */
    uint64_t unit;
    /* Whether a size in bytes is one the spec allows. */
    bool (*size_ok)(uint64_t v);
    /* --max-stride when not given. */
    uint64_t default_stride;
    /* Whether the loop over sizes goes on to `size`. */
    bool (*more_sizes)(uint64_t size, uint64_t max);
    /* Called once the options are parsed and checked. */
    void (*options_done)(struct lo_opts *o);
    /* Where progress goes (NULL: nowhere); verbose = -v or a terminal. */
    FILE *(*progress_to)(bool verbose);
    /* Whether the header is printed before the memory is mapped. */
    bool header_first;
    /* Times p for budget_ns; the MB/s. */
    double (*measure)(struct lo_point *p, uint64_t budget_ns);
    /* Writes a row (stride 0: random): 0, or -1 after a message. */
    int (*print_row)(uint64_t size, unsigned stride, double mbps);
    /* Whether a failed write to stdout is noticed. */
    bool check_writes;
};

extern struct lo_hooks lo;
static volatile uint64_t lo_sink;

/* ---- the correct pieces ---- */

static bool lo_size_ok(uint64_t v)
{
    return v >= LO_SIZE_MIN && v <= LO_SIZE_MAX && (v & (v - 1)) == 0;
}

/* Digits, then K/M/G (either case), then optionally "iB": 0 or -1. */
static int lo_parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t unit = 1;
    if (*s < '0' || *s > '9')
        return -1; /* strtoull would take spaces and signs */
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    if (*end == 'K' || *end == 'k')
        unit = lo.unit;
    else if (*end == 'M' || *end == 'm')
        unit = lo.unit * lo.unit;
    else if (*end == 'G' || *end == 'g')
        unit = lo.unit * lo.unit * lo.unit;
    if (unit != 1) {
        end++;
        if (strcmp(end, "iB") == 0)
            end += 2;
    }
    if (*end != '\0' || v > LO_SIZE_MAX / unit || !lo.size_ok(v * unit))
        return -1;
    *out = v * unit;
    return 0;
}

/* Digits only, from lo_ to hi: 0 or -1. */
static int lo_parse_count(const char *s, uint64_t lo_, uint64_t hi, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > hi)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v < lo_ || v > hi)
        return -1;
    *out = v;
    return 0;
}

static bool lo_more_sizes(uint64_t size, uint64_t max)
{
    return size <= max;
}

static void lo_options_done(struct lo_opts *o)
{
    (void)o;
}

static FILE *lo_progress_to(bool verbose)
{
    return verbose ? stderr : NULL;
}

static uint64_t lo_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* `units` passes (or chase units): a value computed from every read. */
static uint64_t lo_work(struct lo_point *p, uint64_t units)
{
    uint64_t sum = 0;
    if (p->stride == 0) {
        for (uint64_t s = 0; s < units * LO_CHASE_UNIT; s++)
            p->at = p->a[p->at];
        return p->at;
    }
    for (uint64_t u = 0; u < units; u++) {
        for (size_t i = 0; i < p->n; i += p->stride)
            sum += p->a[i];
        __asm__ volatile("" ::: "memory");
    }
    return sum;
}

static uint64_t lo_unit_bytes(const struct lo_point *p)
{
    if (p->stride == 0)
        return LO_CHASE_UNIT * 8;
    return (p->n + p->stride - 1) / p->stride * 8;
}

/* Batches of 1, 2, 4 ... units until one lasts the budget: its MB/s. */
static double lo_measure(struct lo_point *p, uint64_t budget_ns)
{
    uint64_t units = 1, t;
    lo_sink ^= lo_work(p, 1); /* warm */
    for (;;) {
        uint64_t t0 = lo_now();
        lo_sink ^= lo_work(p, units);
        t = lo_now() - t0;
        if (t >= budget_ns)
            break;
        units *= 2;
    }
    return (double)lo_unit_bytes(p) * (double)units / (double)t * 1000.0;
}

static int lo_print_row(uint64_t size, unsigned stride, double mbps)
{
    if (stride == 0)
        printf("%llu\trandom\t%.1f\n", (unsigned long long)size, mbps);
    else
        printf("%llu\t%u\t%.1f\n", (unsigned long long)size, stride, mbps);
    if (fflush(stdout) == EOF && lo.check_writes) {
        fprintf(stderr, "locality: write error: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* splitmix64, and Sattolo's shuffle: one random cycle through all n. */
static uint64_t lo_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void lo_cycle(uint64_t *a, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        a[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(lo_random(&seed) % i);
        uint64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

struct lo_hooks lo = {
    .header = "size\tstride\tmbps",
    .unit = 1024,
    .size_ok = lo_size_ok,
    .default_stride = 64,
    .more_sizes = lo_more_sizes,
    .options_done = lo_options_done,
    .progress_to = lo_progress_to,
    .header_first = false,
    .measure = lo_measure,
    .print_row = lo_print_row,
    .check_writes = true,
};

static int lo_usage(const char *why, const char *arg)
{
    fprintf(stderr,
            "locality: %s '%s'\nusage: locality [--min-size SIZE] [--max-size SIZE] "
            "[--max-stride S] [--no-random] [--time MS] [--reps R] [-v]\n",
            why, arg);
    return 2;
}

static int lo_header(void)
{
    printf("%s\n", lo.header);
    if (fflush(stdout) == EOF && lo.check_writes) {
        fprintf(stderr, "locality: write error: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* The whole program. */
static int lo_main(int argc, char **argv)
{
    struct lo_opts o = {4096, (uint64_t)1 << 30, lo.default_stride, 50, 20, true, false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o.verbose = true;
            continue;
        }
        if (strcmp(a, "--no-random") == 0) {
            o.random = false;
            continue;
        }
        bool size = strcmp(a, "--min-size") == 0 || strcmp(a, "--max-size") == 0;
        bool count =
            strcmp(a, "--max-stride") == 0 || strcmp(a, "--time") == 0 || strcmp(a, "--reps") == 0;
        if (!size && !count)
            return lo_usage("unknown argument", a);
        if (i + 1 >= argc)
            return lo_usage("missing value for", a);
        const char *v = argv[++i];
        int rc;
        if (strcmp(a, "--min-size") == 0)
            rc = lo_parse_size(v, &o.min);
        else if (strcmp(a, "--max-size") == 0)
            rc = lo_parse_size(v, &o.max);
        else if (strcmp(a, "--max-stride") == 0)
            rc = lo_parse_count(v, 1, 1024, &o.stride);
        else if (strcmp(a, "--time") == 0)
            rc = lo_parse_count(v, 1, 60000, &o.time_ms);
        else
            rc = lo_parse_count(v, 1, 1000, &o.reps);
        if (rc < 0)
            return lo_usage("bad value", v);
    }
    if (o.min > o.max)
        return lo_usage("--min-size is above --max-size", "");
    lo.options_done(&o);
    FILE *prog = lo.progress_to(o.verbose || isatty(2));

    if (lo.header_first && lo_header() < 0)
        return 1;
    uint64_t *a = mmap(NULL, o.max, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        fprintf(stderr, "locality: mmap %llu bytes: %s\n", (unsigned long long)o.max,
                strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < o.max / 8; i++)
        a[i] = i;
    if (!lo.header_first && lo_header() < 0)
        return 1;
    for (uint64_t size = o.min; lo.more_sizes(size, o.max); size *= 2) {
        struct lo_point p = {a, (size_t)(size / 8), 0, 0};
        if (prog)
            fprintf(prog, "locality: size %llu\n", (unsigned long long)size);
        for (unsigned s = 1; s <= o.stride; s++) {
            p.stride = s;
            if (lo.print_row(size, s, lo.measure(&p, o.time_ms * 1000000u)) < 0)
                return 1;
        }
        if (o.random) {
            lo_cycle(a, p.n, size);
            p.stride = 0;
            if (lo.print_row(size, 0, lo.measure(&p, o.time_ms * 1000000u)) < 0)
                return 1;
        }
    }
    munmap(a, o.max);
    return 0;
}

#endif
