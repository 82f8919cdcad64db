/* Token buckets per client address: a chained hash table for the lookup,
 * and a list of the same buckets from least to most recently used, so
 * that reclaiming the oldest one when the table is full costs O(1).
 *
 * Tokens are counted in billionths (one token = 1e9 units), so a refill of
 * `rate` tokens per second is exactly `rate` units per nanosecond and no
 * floating-point rounding decides whether a request passes. */

#include "ratelimit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define UNITS_PER_TOKEN 1000000000ull
#define NS_PER_S        1000000000ull

struct rl_bucket {
    struct rl_bucket *chain;         /* next bucket in the same hash slot */
    struct rl_bucket *older, *newer; /* the use list */
    uint64_t hash;
    uint64_t level; /* units held at time `at` */
    uint64_t at;    /* when level was last brought up to date (ns) */
    char key[RL_KEY_MAX + 1];
};

struct ratelimit {
    uint64_t rate; /* tokens per second = units per nanosecond */
    uint64_t cap;  /* burst, in units */
    size_t max_clients;
    uint8_t seed[16]; /* the hash key: addresses are chosen by clients */
    pthread_mutex_t lock;
    struct rl_bucket **slots; /* nslots is a power of two */
    size_t nslots;
    size_t n;
    struct rl_bucket *oldest, *newest;
    uint64_t last_sweep;
    int swept; /* a sweep has run (last_sweep means something) */
};

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);                                  \
        v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;                                                     \
        v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;                                                     \
        v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);                                  \
    } while (0)

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash, so that a client
 * who picks its addresses (an IPv6 /64 is a lot of them) cannot make them
 * all land in one slot without knowing the random key. */
uint64_t rl_siphash(const uint8_t key[16], const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    uint64_t m, last = (uint64_t)n << 56;
    size_t i;

    for (i = 0; i + 8 <= n; i += 8) {
        m = load_le64(p + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; i + j < n; j++)
        last |= (uint64_t)p[i + j] << (8 * j);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

int rl_open(unsigned rate, unsigned burst, size_t max_clients, struct ratelimit **out)
{
    struct ratelimit *rl = calloc(1, sizeof(*rl));

    if (rl == NULL)
        return -ENOMEM;
    if (burst == 0)
        burst = rate > 0 ? rate : 1;
    rl->rate = rate;
    rl->cap = (uint64_t)burst * UNITS_PER_TOKEN;
    rl->max_clients = max_clients > 0 ? max_clients : 1;
    pthread_mutex_init(&rl->lock, NULL);
    if (rate > 0) {
        rl->nslots = 16;
        while (rl->nslots < rl->max_clients)
            rl->nslots *= 2;
        rl->slots = calloc(rl->nslots, sizeof(*rl->slots));
        if (rl->slots == NULL)
            goto fail;
        /* Without randomness the table still works, only with a key an
         * attacker could guess; getrandom() does not fail on Linux once
         * the kernel's pool is ready. */
        if (getrandom(rl->seed, sizeof(rl->seed), 0) != (ssize_t)sizeof(rl->seed))
            memset(rl->seed, 0x5a, sizeof(rl->seed));
    }
    *out = rl;
    return 0;
fail:
    rl_close(rl);
    return -ENOMEM;
}

void rl_close(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    for (struct rl_bucket *b = rl->oldest, *next; b != NULL; b = next) {
        next = b->newer;
        free(b);
    }
    free(rl->slots);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* The bucket's level at time now: what it held plus the refill since, at
 * most full. A clock read before `at` (another thread got the lock first
 * with a later reading) adds nothing. */
static uint64_t level_at(const struct ratelimit *rl, const struct rl_bucket *b, uint64_t now)
{
    uint64_t need = rl->cap - b->level, elapsed;

    if (now <= b->at)
        return b->level;
    elapsed = now - b->at;
    /* Compare times rather than multiply first: rate * elapsed could
     * overflow after a long idle time, rate * (need / rate + 1) cannot. */
    if (elapsed >= (need + rl->rate - 1) / rl->rate)
        return rl->cap;
    return b->level + rl->rate * elapsed;
}

static void list_unlink(struct ratelimit *rl, struct rl_bucket *b)
{
    if (b->older != NULL)
        b->older->newer = b->newer;
    else
        rl->oldest = b->newer;
    if (b->newer != NULL)
        b->newer->older = b->older;
    else
        rl->newest = b->older;
    b->older = b->newer = NULL;
}

static void list_push_newest(struct ratelimit *rl, struct rl_bucket *b)
{
    b->older = rl->newest;
    b->newer = NULL;
    if (rl->newest != NULL)
        rl->newest->newer = b;
    else
        rl->oldest = b;
    rl->newest = b;
}

/* Unlinks b from its hash slot and the use list, and frees it. */
static void drop(struct ratelimit *rl, struct rl_bucket *b)
{
    struct rl_bucket **pp = &rl->slots[b->hash & (rl->nslots - 1)];

    while (*pp != b)
        pp = &(*pp)->chain;
    *pp = b->chain;
    list_unlink(rl, b);
    free(b);
    rl->n--;
}

static size_t sweep_locked(struct ratelimit *rl, uint64_t now)
{
    for (struct rl_bucket *b = rl->oldest, *next; b != NULL; b = next) {
        next = b->newer;
        if (level_at(rl, b, now) == rl->cap)
            drop(rl, b);
    }
    rl->last_sweep = now;
    rl->swept = 1;
    return rl->n;
}

/* Seconds until a bucket holding `level` units has one token, rounded up:
 * the wait in nanoseconds is itself rounded up first, so a wait of 1 ns
 * past a whole second is 2 seconds, never 1. */
static unsigned retry_after(const struct ratelimit *rl, uint64_t level)
{
    uint64_t wait_ns = (UNITS_PER_TOKEN - level + rl->rate - 1) / rl->rate;
    uint64_t s = (wait_ns + NS_PER_S - 1) / NS_PER_S;

    return s < 1 ? 1 : s > 0xffffffffu ? 0xffffffffu : (unsigned)s;
}

/* A new bucket for key, full but for the token this request takes, as the
 * newest in the list. Reclaims the least recently used bucket first when
 * the table is at its bound. NULL when out of memory. */
static struct rl_bucket *add(struct ratelimit *rl, const char *key, size_t klen, uint64_t hash,
                             uint64_t now)
{
    struct rl_bucket *b;
    size_t slot = hash & (rl->nslots - 1);

    if (rl->n >= rl->max_clients)
        drop(rl, rl->oldest);
    b = malloc(sizeof(*b));
    if (b == NULL)
        return NULL;
    memcpy(b->key, key, klen);
    b->key[klen] = '\0';
    b->hash = hash;
    b->level = rl->cap - UNITS_PER_TOKEN;
    b->at = now;
    b->chain = rl->slots[slot];
    rl->slots[slot] = b;
    list_push_newest(rl, b);
    rl->n++;
    return b;
}

unsigned rl_take(struct ratelimit *rl, const char *key, uint64_t now_ns)
{
    size_t klen = strnlen(key, RL_KEY_MAX);
    uint64_t hash, level;
    struct rl_bucket *b;
    unsigned wait = 0;

    if (rl->rate == 0)
        return 0;
    hash = rl_siphash(rl->seed, key, klen);
    pthread_mutex_lock(&rl->lock);
    if (!rl->swept || now_ns >= rl->last_sweep + RL_SWEEP_NS)
        sweep_locked(rl, now_ns);
    for (b = rl->slots[hash & (rl->nslots - 1)]; b != NULL; b = b->chain) {
        if (b->hash == hash && strncmp(b->key, key, klen) == 0 && b->key[klen] == '\0')
            break;
    }
    if (b == NULL) {
        /* A client seen for the first time (or again after its bucket
         * refilled and was dropped) starts full. Out of memory, it passes:
         * refusing everyone because of our own failure would be worse. */
        add(rl, key, klen, hash, now_ns);
    } else {
        level = level_at(rl, b, now_ns);
        if (level >= UNITS_PER_TOKEN)
            level -= UNITS_PER_TOKEN;
        else
            wait = retry_after(rl, level);
        b->level = level;
        if (now_ns > b->at)
            b->at = now_ns;
        list_unlink(rl, b);
        list_push_newest(rl, b);
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

size_t rl_sweep(struct ratelimit *rl, uint64_t now_ns)
{
    size_t n;

    if (rl->rate == 0)
        return 0;
    pthread_mutex_lock(&rl->lock);
    n = sweep_locked(rl, now_ns);
    pthread_mutex_unlock(&rl->lock);
    return n;
}

size_t rl_clients(struct ratelimit *rl)
{
    size_t n;

    pthread_mutex_lock(&rl->lock);
    n = rl->n;
    pthread_mutex_unlock(&rl->lock);
    return n;
}
