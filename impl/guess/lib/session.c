#include "session.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* A client address in a fixed-size, padding-free form, so that two keys are
 * equal exactly when their bytes are. IPv4 addresses use the first 4 bytes. */
struct session_key {
    uint8_t addr[16];
    uint32_t scope_id; /* IPv6 link-local addresses differ by interface */
    uint16_t port;     /* network byte order, as in the sockaddr */
    uint16_t family;
};

struct session {
    struct session_key key;
    uint64_t hash;
    struct session *hnext;         /* hash chain */
    struct session *newer, *older; /* LRU list: head is the most recent */
    uint64_t last_used;            /* ms, from now_ms */
    uint32_t secret;
    uint32_t tries;    /* guesses counted in this game */
    uint32_t last_seq; /* seq of the last counted guess */
    bool won;          /* the last counted guess was CORRECT */
    uint8_t reply_len;
    char reply[GUESS_REPLY_MAX]; /* what the last counted guess got */
};

struct session_table {
    struct session_config cfg;
    struct session **buckets;
    size_t nbuckets; /* a power of two */
    uint64_t seed;   /* hash seed, so clients cannot aim at one bucket */
    struct session *newest, *oldest;
    struct session_stats stats;
};

static uint64_t monotonic_ms(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now(const struct session_table *t)
{
    return t->cfg.now_ms(t->cfg.ctx);
}

/* Fills in all of *buf with random bytes. Returns 0 or a negative errno. */
static int random_bytes(void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = getrandom((char *)buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)n;
    }
    return 0;
}

int session_random_secret(void *ctx, uint32_t max, uint32_t *out)
{
    /* Rejection sampling: values at or above the largest multiple of max are
     * drawn again, so that every secret is equally likely (a plain modulo
     * would favour the small ones). */
    uint32_t limit, v;
    int rc;

    (void)ctx;
    if (max == 0)
        return -EINVAL;
    limit = UINT32_MAX - UINT32_MAX % max;
    do {
        rc = random_bytes(&v, sizeof(v));
        if (rc < 0)
            return rc;
    } while (v >= limit);
    *out = 1 + v % max;
    return 0;
}

/* Builds the key of addr. Returns 0 or -EAFNOSUPPORT. */
static int make_key(const struct sockaddr *addr, socklen_t addrlen, struct session_key *k)
{
    memset(k, 0, sizeof(*k));
    if (addr->sa_family == AF_INET && addrlen >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
        memcpy(k->addr, &sin->sin_addr, sizeof(sin->sin_addr));
        k->port = sin->sin_port;
    } else if (addr->sa_family == AF_INET6 && addrlen >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
        memcpy(k->addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
        k->scope_id = sin6->sin6_scope_id;
        k->port = sin6->sin6_port;
    } else {
        return -EAFNOSUPPORT;
    }
    k->family = addr->sa_family;
    return 0;
}

/* FNV-1a over the key, started from a random seed and finished with a
 * multiply-xorshift so the low bits (the bucket index) depend on every byte.
 * Not a keyed cryptographic hash (SipHash would be), but a client cannot
 * predict which ports share a bucket. */
static uint64_t key_hash(const struct session_table *t, const struct session_key *k)
{
    const uint8_t *p = (const uint8_t *)k;
    uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;

    for (size_t i = 0; i < sizeof(*k); i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

int session_table_create(const struct session_config *cfg, struct session_table **out)
{
    struct session_table *t;

    if (cfg->max == 0 || cfg->idle_ms == 0 || cfg->max_sessions == 0)
        return -EINVAL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->cfg = *cfg;
    if (t->cfg.now_ms == NULL)
        t->cfg.now_ms = monotonic_ms;
    if (t->cfg.secret == NULL)
        t->cfg.secret = session_random_secret;
    /* One bucket per session at most: chains stay short when full. */
    t->nbuckets = 16;
    while (t->nbuckets < cfg->max_sessions && t->nbuckets < ((size_t)1 << 24))
        t->nbuckets *= 2;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (t->buckets == NULL)
        goto fail;
    /* Without getrandom the seed is only less secret, not wrong. */
    if (random_bytes(&t->seed, sizeof(t->seed)) < 0)
        t->seed = monotonic_ms(NULL) ^ (uint64_t)(uintptr_t)t;
    *out = t;
    return 0;
fail:
    free(t);
    return -ENOMEM;
}

void session_table_destroy(struct session_table *t)
{
    if (t == NULL)
        return;
    while (t->newest != NULL) {
        struct session *s = t->newest;
        t->newest = s->older;
        free(s);
    }
    free(t->buckets);
    free(t);
}

static void lru_unlink(struct session_table *t, struct session *s)
{
    if (s->newer != NULL)
        s->newer->older = s->older;
    else
        t->newest = s->older;
    if (s->older != NULL)
        s->older->newer = s->newer;
    else
        t->oldest = s->newer;
    s->newer = s->older = NULL;
}

static void lru_push_newest(struct session_table *t, struct session *s)
{
    s->newer = NULL;
    s->older = t->newest;
    if (t->newest != NULL)
        t->newest->newer = s;
    else
        t->oldest = s;
    t->newest = s;
}

/* Marks s as used at time ms: it becomes the newest. */
static void touch(struct session_table *t, struct session *s, uint64_t ms)
{
    s->last_used = ms;
    if (t->newest != s) {
        lru_unlink(t, s);
        lru_push_newest(t, s);
    }
}

/* Unlinks s from its chain and the LRU list and frees it. */
static void forget(struct session_table *t, struct session *s)
{
    struct session **pp = &t->buckets[s->hash & (t->nbuckets - 1)];

    while (*pp != s)
        pp = &(*pp)->hnext;
    *pp = s->hnext;
    lru_unlink(t, s);
    t->stats.sessions--;
    free(s);
}

static bool is_idle(const struct session_table *t, const struct session *s, uint64_t ms)
{
    return ms - s->last_used > t->cfg.idle_ms;
}

/* Returns the live session of key, or NULL. A session found idle for too
 * long is forgotten here: the sweep may not have run yet. */
static struct session *lookup(struct session_table *t, const struct session_key *k, uint64_t hash,
                              uint64_t ms)
{
    struct session *s = t->buckets[hash & (t->nbuckets - 1)];

    while (s != NULL && !(s->hash == hash && memcmp(&s->key, k, sizeof(*k)) == 0))
        s = s->hnext;
    if (s != NULL && is_idle(t, s, ms)) {
        forget(t, s);
        t->stats.expired++;
        return NULL;
    }
    return s;
}

/* Adds a session for key with the given secret, forgetting the least
 * recently used one first when the table is full. Returns it, or NULL when
 * out of memory (nothing forgotten then). */
static struct session *insert(struct session_table *t, const struct session_key *k, uint64_t hash,
                              uint32_t secret, uint64_t ms)
{
    struct session *s = calloc(1, sizeof(*s));
    size_t b = hash & (t->nbuckets - 1);

    if (s == NULL)
        return NULL;
    if (t->stats.sessions >= t->cfg.max_sessions) {
        if (is_idle(t, t->oldest, ms))
            t->stats.expired++;
        else
            t->stats.evicted++;
        forget(t, t->oldest);
    }
    s->key = *k;
    s->hash = hash;
    s->secret = secret;
    s->last_used = ms;
    s->hnext = t->buckets[b];
    t->buckets[b] = s;
    lru_push_newest(t, s);
    t->stats.sessions++;
    t->stats.created++;
    t->stats.games++;
    return s;
}

/* Formats r into out. GUESS_REPLY_MAX always fits every reply, so this
 * cannot fail once session_answer() has checked outlen. */
static int reply(char *out, size_t outlen, enum guess_kind kind, uint32_t seq, uint32_t tries)
{
    struct guess_reply r = {.kind = kind, .seq = seq, .tries = tries};

    return guess_format_reply(out, outlen, &r);
}

int session_answer(struct session_table *t, const struct sockaddr *addr, socklen_t addrlen,
                   const char *p, size_t len, char *out, size_t outlen)
{
    struct guess_req req;
    struct session_key key;
    struct session *s;
    enum guess_kind kind;
    uint64_t hash, ms;
    uint32_t secret;
    int rc, n;

    if (outlen < GUESS_REPLY_MAX)
        return -ENOSPC;
    rc = make_key(addr, addrlen, &key);
    if (rc < 0)
        return rc;
    if (guess_parse_request(p, len, &req) < 0)
        return reply(out, outlen, GUESS_ERR_MALFORMED, req.seq, 0);

    ms = now(t);
    hash = key_hash(t, &key);
    s = lookup(t, &key, hash, ms);
    if (s != NULL && req.seq == s->last_seq) {
        touch(t, s, ms);
        memcpy(out, s->reply, s->reply_len);
        return s->reply_len;
    }
    if (s != NULL && req.seq < s->last_seq) {
        touch(t, s, ms);
        return reply(out, outlen, GUESS_ERR_STALE, req.seq, 0);
    }
    if (req.n < 1 || req.n > t->cfg.max) {
        if (s != NULL)
            touch(t, s, ms);
        return reply(out, outlen, GUESS_ERR_RANGE, req.seq, 0);
    }

    if (s == NULL || s->won) {
        rc = t->cfg.secret(t->cfg.ctx, t->cfg.max, &secret);
        if (rc < 0)
            return rc;
        if (s == NULL) {
            s = insert(t, &key, hash, secret, ms);
            if (s == NULL)
                return -ENOMEM;
        } else {
            s->secret = secret;
            s->tries = 0;
            s->won = false;
            t->stats.games++;
        }
    }
    touch(t, s, ms);
    if (s->tries < UINT32_MAX)
        s->tries++;
    if (req.n < s->secret)
        kind = GUESS_HIGHER;
    else if (req.n > s->secret)
        kind = GUESS_LOWER;
    else
        kind = GUESS_CORRECT;
    s->won = kind == GUESS_CORRECT;
    s->last_seq = req.seq;
    n = reply(s->reply, sizeof(s->reply), kind, req.seq, s->tries);
    if (n < 0)
        return n;
    s->reply_len = (uint8_t)n;
    memcpy(out, s->reply, (size_t)n);
    return n;
}

size_t session_expire(struct session_table *t)
{
    uint64_t ms = now(t);
    size_t n = 0;

    while (t->oldest != NULL && is_idle(t, t->oldest, ms)) {
        forget(t, t->oldest);
        n++;
    }
    t->stats.expired += n;
    return n;
}

uint64_t session_next_expiry(struct session_table *t)
{
    uint64_t ms, age;

    if (t->oldest == NULL)
        return 0;
    ms = now(t);
    age = ms - t->oldest->last_used;
    /* Idle "for longer than" idle_ms: one ms past it. */
    return age > t->cfg.idle_ms ? 1 : t->cfg.idle_ms - age + 1;
}

void session_get_stats(const struct session_table *t, struct session_stats *st)
{
    *st = t->stats;
}
