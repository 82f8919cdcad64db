/* Shared, correct plumbing for the deliberately broken psum programs.
 *
 * This is a whole, correct `psum -j K N` (specs/psum.md) in one header,
 * on the correct thread pool of ../threadpool/common.h: a pool of K
 * workers, 1..N cut in K contiguous ranges whose sizes differ by at most
 * one (the first N mod K get one more term), each range a task that
 * writes the sum of its range, by (lo + hi)(hi - lo + 1) / 2 in unsigned
 * 128-bit arithmetic, into its own slot; tp_wait, the slots added, the
 * pool destroyed (its workers joined), the total printed. Usage errors
 * exit 2 before the pool is created; a pool that cannot be created is
 * reported with strerror and exit 1.
 *
 * Each broken program replaces one piece through the `ps` hook table in
 * its main and marks its lines BUG, so that it differs from a correct
 * program in exactly that piece.
 */
#ifndef OSNET_BROKEN_PSUM_COMMON_H
#define OSNET_BROKEN_PSUM_COMMON_H

#include <stdio.h>
#include <string.h>

#include "../threadpool/common.h"

typedef unsigned __int128 u128;

#define PS_MAX_K 1024u

/* One range: lo..hi inclusive, empty when lo > hi. */
struct ps_range {
    uint64_t lo, hi;
};

/* One task: its range and, once it has run, the range's sum. */
struct ps_job {
    struct ps_range r;
    u128 sum;
};

struct ps_hooks {
    /* A decimal operand: 0, or -1 if it is not a whole number <= max. */
    int (*parse_num)(const char *s, uint64_t max, uint64_t *out);
    /* Checks K and N together once parsed: 0, or -1 after a usage message. */
    int (*check)(unsigned k, uint64_t n);
    /* Range w of k (w from 0 to k-1). */
    struct ps_range (*range)(uint64_t n, unsigned k, unsigned w);
    /* The sum of the range. */
    u128 (*range_sum)(struct ps_range r);
    /* The whole computation: 0 with *total, or 1 after a message. */
    int (*run)(uint64_t n, unsigned k, u128 *total);
    /* Prints the total in decimal and a newline. */
    void (*print)(u128 v);
};

static struct ps_hooks ps;
static const char *ps_prog = "psum";

/* ---- the correct pieces ---- */

static int ps_parse_num(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        if (v > (max - (uint64_t)(*p - '0')) / 10)
            return -1; /* past max, and no overflow on the way */
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

static int ps_check(unsigned k, uint64_t n)
{
    (void)k;
    (void)n;
    return 0;
}

/* The first n mod k ranges get one term more than n / k. */
static struct ps_range ps_range_of(uint64_t n, unsigned k, unsigned w)
{
    uint64_t base = n / k, extra = n % k;
    uint64_t lo = w * base + (w < extra ? w : extra) + 1;
    return (struct ps_range){lo, lo + base + (w < extra) - 1};
}

/* lo + hi reaches 2^64 and the product nearly 2^128: all in 128 bits. */
static u128 ps_range_sum(struct ps_range r)
{
    if (r.lo > r.hi)
        return 0;
    return ((u128)r.lo + r.hi) * ((u128)(r.hi - r.lo) + 1) / 2;
}

static void ps_task(void *arg)
{
    struct ps_job *j = arg;
    j->sum = ps.range_sum(j->r);
}

static int ps_run(uint64_t n, unsigned k, u128 *total)
{
    struct ps_job *jobs = calloc(k, sizeof *jobs);
    if (!jobs) {
        fprintf(stderr, "%s: %s\n", ps_prog, strerror(ENOMEM));
        return 1;
    }
    tp_pool *pool;
    int err = tp_create(&pool, k, k);
    if (err) {
        fprintf(stderr, "%s: tp_create: %s\n", ps_prog, strerror(-err));
        free(jobs);
        return 1;
    }
    for (unsigned w = 0; w < k; w++) {
        jobs[w].r = ps.range(n, k, w);
        tp_submit(pool, ps_task, &jobs[w]); /* room for k: cannot fail */
    }
    tp_wait(pool);
    u128 sum = 0;
    for (unsigned w = 0; w < k; w++)
        sum += jobs[w].sum;
    tp_destroy(pool);
    free(jobs);
    *total = sum;
    return 0;
}

static void ps_print(u128 v)
{
    char buf[48];
    char *p = buf + sizeof buf;
    *--p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    puts(p);
}

static int ps_usage(const char *why)
{
    fprintf(stderr, "%s: %s\nusage: %s -j K N\n", ps_prog, why, ps_prog);
    return 2;
}

static int ps_main(int argc, char **argv)
{
    const char *ktext = NULL, *ntext = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-j") == 0 && i + 1 < argc && ktext == NULL)
            ktext = argv[++i];
        else if (ntext == NULL && (argv[i][0] != '-' || argv[i][1] == '\0'))
            ntext = argv[i];
        else
            return ps_usage("bad arguments");
    }
    if (ktext == NULL || ntext == NULL)
        return ps_usage("-j K and N are needed");
    uint64_t k, n;
    if (ps.parse_num(ktext, PS_MAX_K, &k) < 0 || k == 0)
        return ps_usage("-j: must be from 1 to 1024");
    if (ps.parse_num(ntext, UINT64_MAX, &n) < 0)
        return ps_usage("N: must be from 0 to 18446744073709551615");
    if (ps.check((unsigned)k, n) < 0)
        return 2;
    u128 total;
    if (ps.run(n, (unsigned)k, &total) != 0)
        return 1;
    ps.print(total);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: stdout: %s\n", ps_prog, strerror(errno));
        return 1;
    }
    return 0;
}

static struct ps_hooks ps = {
    .parse_num = ps_parse_num,
    .check = ps_check,
    .range = ps_range_of,
    .range_sum = ps_range_sum,
    .run = ps_run,
    .print = ps_print,
};

#endif
