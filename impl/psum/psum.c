/* psum: 1 + 2 + ... + N, exactly, in unsigned 128-bit arithmetic, computed
 * by a pool of K worker threads (impl/threadpool, specs/threadpool.h).
 *
 *     psum -j K N
 *
 * 1..N is cut into contiguous chunks, CHUNKS_PER_WORKER per worker; each
 * chunk is one task that writes its sum into its own slot; main waits for
 * every task to finish, destroys the pool (which joins the workers) and
 * adds the slots. The numbers' text is sumsq's (impl/sumsq/lib/num.c). See
 * README.md and specs/psum.md. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdio.h" /* impl/lib: fdio_write_all, fdio_say (the error line) */
#include "num.h"  /* impl/sumsq/lib: num_parse_u64, num_format_u128 */
#include "threadpool.h"

#define SYNOPSIS "-j K N"
#define USAGE    "usage: %s " SYNOPSIS "\n"

/* Workers: 1 to PSUM_MAX_K (the pool's own limit). */
#define PSUM_MAX_K TP_MAX_WORKERS

/* Chunks per worker. More chunks than workers is how a pool is usually fed:
 * when chunks cost different amounts, or a worker is slowed down by other
 * work on the machine, the chunks left go to whichever worker is free
 * instead of everyone waiting for the slowest one's single big range. Here
 * every chunk costs the same (a closed formula), so the gain is nil; what
 * the extra chunks do show is the bounded queue at work: with 4K tasks and
 * room for K, main's tp_submit waits for the workers to make room, and the
 * sum must come out exact all the same. */
#define CHUNKS_PER_WORKER 4u

/* One task: the numbers lo..hi (empty when hi < lo) and, once it has run,
 * their sum. Each task writes only its own chunk's sum, and main reads the
 * sums only after tp_wait(): no lock needed, and no data race. */
struct chunk {
    uint64_t lo;
    uint64_t hi;
    unsigned __int128 sum;
};

/* Chunk i of m of 1..n: it ends where floor(n * (i + 1) / m) does, so the
 * chunks follow each other, cover 1..n exactly once and their sizes differ
 * by one at most (some are empty when m > n). The products are taken in
 * 128 bits: n * m exceeds 64 bits for a large n. */
static struct chunk chunk_of(uint64_t n, unsigned m, unsigned i)
{
    uint64_t start = (uint64_t)((unsigned __int128)n * i / m);
    uint64_t end = (uint64_t)((unsigned __int128)n * (i + 1) / m);

    return (struct chunk){.lo = start + 1, .hi = end};
}

/* The task: lo + ... + hi = (lo + hi)(hi - lo + 1) / 2, in 128 bits. lo + hi
 * reaches 2^64 (for 1..2^64-1) and the product just under 2^128, which
 * still fits: (lo + hi)(hi - lo + 1) = hi(hi + 1) - lo(lo - 1) <= hi(hi + 1)
 * < 2^128. One of the two factors is even, so the halving is exact. An empty
 * chunk (hi = lo - 1) has a count of 0 and a sum of 0. Adding the terms one
 * by one would take centuries for the largest N. */
static void sum_chunk(void *arg)
{
    struct chunk *c = arg;
    unsigned __int128 count = (unsigned __int128)c->hi + 1 - c->lo;

    c->sum = ((unsigned __int128)c->lo + c->hi) * count / 2;
}

/* Sums 1..n on a pool of k workers. Returns 0 and the sum in *total, or -1
 * after saying what went wrong; either way every worker has been joined. */
static int run(uint64_t n, unsigned k, unsigned __int128 *total)
{
    unsigned m = k * CHUNKS_PER_WORKER;
    struct chunk *chunks = calloc(m, sizeof(*chunks));
    tp_pool *pool = NULL;
    int rc = -1, err;

    if (chunks == NULL) {
        fdio_say("%s", strerror(ENOMEM));
        return -1;
    }
    /* A queue of k: once k chunks wait, tp_submit waits for room. The pool
     * is started whatever n is (n = 0 included): K workers, always. */
    err = tp_create(&pool, k, k);
    if (err < 0) {
        /* tp_create has joined the workers it had started. */
        fdio_say("tp_create: %s", strerror(-err));
        goto out;
    }
    for (unsigned i = 0; i < m; i++) {
        chunks[i] = chunk_of(n, m, i);
        err = tp_submit(pool, sum_chunk, &chunks[i]);
        if (err < 0) {
            fdio_say("tp_submit: %s", strerror(-err));
            goto out; /* tp_destroy runs the chunks queued, then joins */
        }
    }
    /* Every task has finished, not only left the queue, when tp_wait
     * returns; and the pool's mutex orders the tasks' writes of their sums
     * before main's reads below. */
    err = tp_wait(pool);
    if (err < 0) {
        fdio_say("tp_wait: %s", strerror(-err));
        goto out;
    }
    *total = 0;
    for (unsigned i = 0; i < m; i++)
        *total += chunks[i].sum;
    rc = 0;
out:
    tp_destroy(pool); /* joins every worker; NULL: nothing */
    free(chunks);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *jobs = NULL;
    unsigned __int128 total;
    uint64_t n, k;
    char text[NUM_U128_DIGITS + 2];
    size_t len;
    int c, rc;

    /* Everything is checked before the pool starts a thread: a usage error
     * exits 2 with no thread ever created. getopt_long takes "-j 4", "-j4",
     * "--jobs 4", "--jobs=4", before or after N; "-5" is an unknown option,
     * so a negative N is refused as one. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            jobs = optarg;
            break;
        case 'h':
            printf(USAGE "Prints 1 + 2 + ... + N (N <= %llu), summed by a pool of K "
                         "threads (1..%u).\n",
                   program_invocation_short_name, (unsigned long long)UINT64_MAX, PSUM_MAX_K);
            return 0;
        default: /* ':' a value missing, '?' an unknown option */
            return fdio_getopt_error(SYNOPSIS, c, argv);
        }
    }
    if (jobs == NULL)
        return fdio_usage_error(SYNOPSIS, "-j K is missing");
    rc = num_parse_u64(jobs, PSUM_MAX_K, &k);
    if (rc < 0 || k == 0)
        return fdio_usage_error(SYNOPSIS, "-j: expected a number from 1 to %u, got '%s'",
                                PSUM_MAX_K, jobs);
    if (optind != argc - 1)
        return fdio_usage_error(SYNOPSIS, optind == argc ? "N is missing" : "one N expected");
    rc = num_parse_u64(argv[optind], UINT64_MAX, &n);
    if (rc < 0)
        return fdio_usage_error(SYNOPSIS, "N: expected a number from 0 to %llu, got '%s'",
                                (unsigned long long)UINT64_MAX, argv[optind]);

    if (run(n, (unsigned)k, &total) < 0)
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
