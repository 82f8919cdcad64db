/* locality: the memory mountain (CS:APP 6.6.1). Reads working sets of
 * doubling sizes at strides 1..S and in a random order, and prints the
 * read throughput of each (size, stride) as a table on stdout.
 *
 *     locality [--min-size SIZE] [--max-size SIZE] [--max-stride S]
 *              [--no-random] [--time MS] [--reps R] [-v]
 *
 * The loops that read are lib/kernel.c, the timing lib/measure.c, the
 * parsing of sizes lib/size.c. This file is the command line and the order
 * of the measurements. See README.md and specs/locality.md. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h" /* impl/lib: fdio_say (a message line on stderr) */
#include "kernel.h"
#include "measure.h"
#include "size.h"

#define SYNOPSIS                                                                                   \
    "[--min-size SIZE] [--max-size SIZE] [--max-stride S] [--no-random] "                          \
    "[--time MS] [--reps R] [-v]"
#define USAGE "usage: %s " SYNOPSIS "\n"

#define MAX_STRIDE  1024u
#define MAX_TIME_MS 60000u
#define MAX_REPS    1000u

/* Steps of the chase per unit of work: the timer grows batches in units,
 * and a single step (a few ns when the set fits in L1) would make the
 * first calibration batches pure clock overhead. */
#define CHASE_UNIT 1024u

/* The cycle's seed: fixed, so that two runs chase the same cycle. */
#define CHASE_SEED 0x6c6f63616c697479ULL /* "locality" */

struct options {
    uint64_t min_size, max_size;
    unsigned max_stride;
    bool random;
    uint64_t time_ms;
    unsigned reps;
    bool verbose;
};

/* ---- the work of one point ---------------------------------------------- */

struct stride_ctx {
    const uint64_t *a;
    size_t n, stride;
};

/* One unit: one pass over the set at the stride. */
static uint64_t run_stride(void *ctx, uint64_t units)
{
    const struct stride_ctx *c = ctx;

    return loc_read_stride(c->a, c->n, c->stride, units);
}

struct chase_ctx {
    const uint64_t *a;
    uint64_t at; /* where the last chase stopped */
};

/* One unit: CHASE_UNIT steps of the chase. Each batch goes on from where
 * the one before stopped, round the single cycle: starting each time from
 * element 0 would replay the same few thousand elements, which would then
 * sit in a cache however large the set. */
static uint64_t run_chase(void *ctx, uint64_t units)
{
    struct chase_ctx *c = ctx;

    c->at = loc_chase(c->a, c->at, units * CHASE_UNIT);
    return c->at;
}

/* ---- output ---------------------------------------------------------------- */

static void progress(const struct options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const struct options *o, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (!o->verbose)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fdio_say("%s", msg);
}

/* Writes one line of the table and pushes it out at once, so that a long
 * run can be watched (`| tee`) and a failing stdout is seen at the first
 * line. stride 0 is the random row. Returns 0, or -1 after a message. */
static int emit(uint64_t size, unsigned stride, double mbps)
{
    int rc;

    if (stride == 0)
        rc = printf("%llu\trandom\t%.1f\n", (unsigned long long)size, mbps);
    else
        rc = printf("%llu\t%u\t%.1f\n", (unsigned long long)size, stride, mbps);
    if (rc < 0 || fflush(stdout) == EOF) {
        fdio_say("write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the mountain ------------------------------------------------------------- */

/* Measures one working set, the first `size` bytes of a: every stride,
 * then the random order. Returns 0, or -1 when stdout failed. */
static int measure_size(const struct options *o, uint64_t *a, uint64_t size)
{
    size_t n = (size_t)(size / sizeof(uint64_t));
    uint64_t budget = o->time_ms * 1000000u;
    struct loc_result r;

    for (unsigned s = 1; s <= o->max_stride; s++) {
        struct stride_ctx c = {.a = a, .n = n, .stride = s};
        struct loc_work w = {
            .run = run_stride, .ctx = &c, .unit_bytes = loc_stride_reads(n, s) * sizeof(uint64_t)};

        /* Warm: one pass brings what fits of the set into the caches (and
         * its page-table entries into the TLB), as every timed pass after
         * it will find them. */
        (void)run_stride(&c, 1);
        loc_measure(&w, budget, o->reps, &r);
        if (emit(size, s, r.mbps) < 0)
            return -1;
    }
    if (o->random) {
        struct chase_ctx c = {.a = a, .at = 0};
        struct loc_work w = {
            .run = run_chase, .ctx = &c, .unit_bytes = (uint64_t)CHASE_UNIT * sizeof(uint64_t)};
        char text[LOC_SIZE_TEXT];

        if (size >= ((uint64_t)64 << 20))
            progress(o, "%s: building the random cycle", loc_format_size(size, text));
        /* The chase rewrites the set with the cycle. The strided passes of
         * the next size read those values as they would any others. */
        loc_chase_build(a, n, CHASE_SEED ^ size);
        /* Warm with a sequential pass: the chase visits every element, so
         * the whole set is what it needs in the caches, and one chase
         * round the whole cycle would take seconds for a large set. */
        (void)loc_read_stride(a, n, 1, 1);
        loc_measure(&w, budget, o->reps, &r);
        if (emit(size, 0, r.mbps) < 0)
            return -1;
    }
    return 0;
}

/* Maps the largest working set and writes every element once. The pages
 * of an anonymous mapping are only reserved by mmap; the first write to
 * each makes the kernel find a page and zero it (a page fault, a few
 * microseconds). Doing it here keeps those faults out of every timed pass,
 * and finds out before the first line whether the memory is there. Returns
 * the array, or NULL after a message. */
static uint64_t *map_working_set(const struct options *o)
{
    char text[LOC_SIZE_TEXT];
    uint64_t *a;

    loc_format_size(o->max_size, text);
    if (o->max_size > SIZE_MAX) {
        fdio_say("cannot map %s for the working set: %s", text, strerror(ENOMEM));
        return NULL;
    }
    a = mmap(NULL, (size_t)o->max_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        fdio_say("cannot map %s for the working set: %s", text, strerror(errno));
        return NULL;
    }
    progress(o, "writing the %s working set once", text);
    for (size_t i = 0; i < (size_t)(o->max_size / sizeof(uint64_t)); i++)
        a[i] = i;
    return a;
}

/* ---- command line ----------------------------------------------------------------- */

static void help(void)
{
    printf(USAGE, program_invocation_short_name);
    printf("\nThe memory mountain: read throughput (MB/s) of working sets from --min-size to\n"
           "--max-size (powers of two; units K, M, G), read at strides 1..S elements of 8\n"
           "bytes and in a random order (a pointer chase). A table on stdout:\n"
           "size<TAB>stride<TAB>mbps, one row per point.\n\n"
           "  --min-size SIZE   smallest working set (4K)\n"
           "  --max-size SIZE   largest working set (1G), from 1K to 64G\n"
           "  --max-stride S    strides 1..S (64), S up to %u\n"
           "  --no-random       no random rows\n"
           "  --time MS         milliseconds of timed reads per point (50), up to %u\n"
           "  --reps R          the time of a point cut into R batches, the fastest kept (20)\n"
           "  -v, --verbose     progress on stderr (the default when it is a terminal)\n",
           MAX_STRIDE, MAX_TIME_MS);
}

/* Parses argv into *o. Returns -1 when the program should go on, else the
 * exit status (0 after --help, 2 after a usage error). */
static int parse_args(int argc, char **argv, struct options *o)
{
    enum { OPT_MIN = 256, OPT_MAX, OPT_STRIDE, OPT_NO_RANDOM, OPT_TIME, OPT_REPS };
    static const struct option longopts[] = {
        {"min-size", required_argument, NULL, OPT_MIN},
        {"max-size", required_argument, NULL, OPT_MAX},
        {"max-stride", required_argument, NULL, OPT_STRIDE},
        {"no-random", no_argument, NULL, OPT_NO_RANDOM},
        {"time", required_argument, NULL, OPT_TIME},
        {"reps", required_argument, NULL, OPT_REPS},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool verbose = false;
    uint64_t v;
    int c;

    *o = (struct options){
        .min_size = (uint64_t)4 << 10,
        .max_size = (uint64_t)1 << 30,
        .max_stride = 64,
        .random = true,
        .time_ms = 50,
        .reps = 20,
    };
    /* Our own messages only (opterr = 0), so every error line has the same
     * form; the leading ':' makes a missing value ':' rather than '?'. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_MIN:
        case OPT_MAX:
            if (loc_parse_size(optarg, c == OPT_MIN ? &o->min_size : &o->max_size) < 0)
                return fdio_usage_error(SYNOPSIS,
                                        "%s: expected a power of two from 1K to 64G, got '%s'",
                                        c == OPT_MIN ? "--min-size" : "--max-size", optarg);
            break;
        case OPT_STRIDE:
            if (loc_parse_count(optarg, 1, MAX_STRIDE, &v) < 0)
                return fdio_usage_error(SYNOPSIS,
                                        "--max-stride: expected a number from 1 to %u, got '%s'",
                                        MAX_STRIDE, optarg);
            o->max_stride = (unsigned)v;
            break;
        case OPT_NO_RANDOM:
            o->random = false;
            break;
        case OPT_TIME:
            if (loc_parse_count(optarg, 1, MAX_TIME_MS, &o->time_ms) < 0)
                return fdio_usage_error(SYNOPSIS,
                                        "--time: expected milliseconds from 1 to %u, got '%s'",
                                        MAX_TIME_MS, optarg);
            break;
        case OPT_REPS:
            if (loc_parse_count(optarg, 1, MAX_REPS, &v) < 0)
                return fdio_usage_error(
                    SYNOPSIS, "--reps: expected a number from 1 to %u, got '%s'", MAX_REPS, optarg);
            o->reps = (unsigned)v;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            help();
            return fflush(stdout) == EOF ? 1 : 0;
        default: /* ':' a value missing, '?' an unknown option */
            return fdio_getopt_error(SYNOPSIS, c, argv);
        }
    }
    if (optind < argc)
        return fdio_usage_error(SYNOPSIS, "unexpected operand '%s' (locality takes options only)",
                                argv[optind]);
    if (o->min_size > o->max_size) {
        char lo[LOC_SIZE_TEXT], hi[LOC_SIZE_TEXT];

        return fdio_usage_error(SYNOPSIS, "--min-size %s is above --max-size %s",
                                loc_format_size(o->min_size, lo), loc_format_size(o->max_size, hi));
    }
    /* Progress is for a person watching: on when stderr is a terminal,
     * off in a script or a test (whose stderr is a file or a pipe). */
    o->verbose = verbose || isatty(STDERR_FILENO);
    return -1;
}

int main(int argc, char **argv)
{
    struct options o;
    struct timespec ts;
    uint64_t *a, t0;
    unsigned nsizes = 0, i = 0;
    char text[LOC_SIZE_TEXT];
    int rc = parse_args(argc, argv, &o);

    if (rc >= 0)
        return rc;
    /* loc_now_ns() takes this clock for granted: check it once. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
        fdio_say("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
        return 1;
    }
    a = map_working_set(&o);
    if (a == NULL)
        return 1;
    for (uint64_t size = o.min_size; size <= o.max_size; size *= 2)
        nsizes++;
    t0 = loc_now_ns();
    rc = printf("size\tstride\tmbps\n") < 0 || fflush(stdout) == EOF ? -1 : 0;
    if (rc < 0)
        fdio_say("write error: %s", strerror(errno));
    for (uint64_t size = o.min_size; rc == 0 && size <= o.max_size; size *= 2) {
        progress(&o, "%s (%u of %u): strides 1-%u%s", loc_format_size(size, text), ++i, nsizes,
                 o.max_stride, o.random ? ", random" : "");
        rc = measure_size(&o, a, size);
    }
    if (munmap(a, (size_t)o.max_size) < 0 && rc == 0) {
        fdio_say("munmap: %s", strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        return 1;
    progress(&o, "done in %.1f s", (double)(loc_now_ns() - t0) / 1e9);
    return 0;
}
