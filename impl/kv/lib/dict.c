#include "dict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A rehash step that finds only empty buckets gives up after this many per
 * bucket it was asked to move, so one call stays cheap even in a table that
 * is mostly empty (after many deletions). */
#define DICT_EMPTY_VISITS 10

/* Shrink when there are fewer keys than buckets / DICT_SHRINK_RATIO. */
#define DICT_SHRINK_RATIO 8

/* ---- SipHash ----
 *
 * The state is four 64-bit words initialized from the 128-bit key and four
 * constants (the ASCII of "somepseudorandomlygeneratedbytes"). The message
 * is read as little-endian 64-bit words; each word m is mixed in as
 * v3 ^= m, c SipRounds, v0 ^= m. The last word holds the 0-7 bytes left
 * over, with the message length (mod 256) in its top byte, so messages that
 * differ only by trailing zero bytes hash differently. Finalization xors
 * 0xff into v2, runs d SipRounds and folds the state into one word. */

static uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* One SipRound: two add-rotate-xor half-rounds on (v0, v1) and (v2, v3),
 * then the halves are crossed. */
static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl64(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl64(v[0], 32);
    v[2] += v[3];
    v[3] = rotl64(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl64(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl64(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl64(v[2], 32);
}

static void sip_compress(uint64_t v[4], uint64_t m, unsigned c)
{
    v[3] ^= m;
    for (unsigned i = 0; i < c; i++)
        sip_round(v);
    v[0] ^= m;
}

uint64_t dict_siphash(const uint8_t key[16], const void *p, size_t n, unsigned c, unsigned d)
{
    const uint8_t *in = p;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v[4] = {
        k0 ^ UINT64_C(0x736f6d6570736575), /* "somepseu" */
        k1 ^ UINT64_C(0x646f72616e646f6d), /* "dorandom" */
        k0 ^ UINT64_C(0x6c7967656e657261), /* "lygenera" */
        k1 ^ UINT64_C(0x7465646279746573), /* "tedbytes" */
    };
    size_t full = n - n % 8;
    uint64_t last = (uint64_t)(n & 0xff) << 56;

    for (size_t i = 0; i < full; i += 8)
        sip_compress(v, load_le64(in + i), c);
    for (size_t i = full; i < n; i++)
        last |= (uint64_t)in[i] << (8 * (i - full));
    sip_compress(v, last, c);

    v[2] ^= 0xff;
    for (unsigned i = 0; i < d; i++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t dict_hash(const struct dict *d, const char *key, size_t klen)
{
    return dict_siphash(d->seed, key, klen, 1, 3);
}

/* ---- tables ---- */

static size_t table_size(const struct dict_table *t)
{
    return t->bucket != NULL ? t->mask + 1 : 0;
}

static int table_alloc(struct dict_table *t, size_t size)
{
    t->bucket = calloc(size, sizeof(*t->bucket));
    if (t->bucket == NULL)
        return -ENOMEM;
    t->mask = size - 1;
    t->used = 0;
    return 0;
}

static void table_reset(struct dict_table *t)
{
    t->bucket = NULL;
    t->mask = 0;
    t->used = 0;
}

int dict_init(struct dict *d, const uint8_t seed[16])
{
    memcpy(d->seed, seed, sizeof(d->seed));
    table_reset(&d->t[1]);
    d->rehash_idx = SIZE_MAX;
    return table_alloc(&d->t[0], DICT_MIN_SIZE);
}

static void table_free_nodes(struct dict_table *t, void (*free_node)(struct dict_node *, void *),
                             void *ctx)
{
    size_t size = table_size(t);

    for (size_t i = 0; i < size; i++) {
        struct dict_node *n = t->bucket[i], *next;

        for (; n != NULL; n = next) {
            next = n->next;
            if (free_node != NULL)
                free_node(n, ctx);
        }
        t->bucket[i] = NULL;
    }
    t->used = 0;
}

void dict_free(struct dict *d, void (*free_node)(struct dict_node *, void *), void *ctx)
{
    for (int i = 0; i < 2; i++) {
        table_free_nodes(&d->t[i], free_node, ctx);
        free(d->t[i].bucket);
        table_reset(&d->t[i]);
    }
    d->rehash_idx = SIZE_MAX;
}

void dict_clear(struct dict *d, void (*free_node)(struct dict_node *, void *), void *ctx)
{
    struct dict_table small;

    table_free_nodes(&d->t[0], free_node, ctx);
    table_free_nodes(&d->t[1], free_node, ctx);
    free(d->t[1].bucket);
    table_reset(&d->t[1]);
    d->rehash_idx = SIZE_MAX;
    /* Clearing cannot fail: without memory for a small table, the emptied
     * big one stays in use. */
    if (table_size(&d->t[0]) > DICT_MIN_SIZE && table_alloc(&small, DICT_MIN_SIZE) == 0) {
        free(d->t[0].bucket);
        d->t[0] = small;
    }
}

size_t dict_size(const struct dict *d)
{
    return d->t[0].used + d->t[1].used;
}

int dict_is_rehashing(const struct dict *d)
{
    return d->rehash_idx != SIZE_MAX;
}

/* Starts moving the keys to a table of size buckets. Without memory, or if a
 * resize is already going on, nothing happens: the current table still
 * works, only with longer or emptier chains. */
static void dict_resize(struct dict *d, size_t size)
{
    struct dict_table t;

    if (dict_is_rehashing(d) || size == table_size(&d->t[0]))
        return;
    if (table_alloc(&t, size) != 0)
        return;
    d->t[1] = t;
    d->rehash_idx = 0;
    /* An empty table has nothing to move: finish at once. */
    dict_rehash(d, 1);
}

/* Smallest power of two >= n and >= DICT_MIN_SIZE. */
static size_t dict_round_size(size_t n)
{
    size_t size = DICT_MIN_SIZE;

    while (size < n && size <= SIZE_MAX / 2)
        size *= 2;
    return size;
}

int dict_rehash(struct dict *d, size_t n)
{
    size_t empty_visits = n * DICT_EMPTY_VISITS;

    if (!dict_is_rehashing(d))
        return 0;
    while (n-- > 0 && d->t[0].used > 0) {
        struct dict_node *node, *next;

        /* Buckets below rehash_idx are empty; used > 0 guarantees a full
         * one at or after it, so the index stays within the table. */
        while (d->t[0].bucket[d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0)
                return 1;
        }
        for (node = d->t[0].bucket[d->rehash_idx]; node != NULL; node = next) {
            size_t i = dict_hash(d, node->key, node->klen) & d->t[1].mask;

            next = node->next;
            node->next = d->t[1].bucket[i];
            d->t[1].bucket[i] = node;
            d->t[0].used--;
            d->t[1].used++;
        }
        d->t[0].bucket[d->rehash_idx] = NULL;
        d->rehash_idx++;
    }
    if (d->t[0].used > 0)
        return 1;
    free(d->t[0].bucket);
    d->t[0] = d->t[1];
    table_reset(&d->t[1]);
    d->rehash_idx = SIZE_MAX;
    return 0;
}

/* Each operation on the dict pays for one bucket of a resize in progress,
 * so a resize finishes after about as many operations as there are buckets. */
static void dict_rehash_step(struct dict *d)
{
    if (dict_is_rehashing(d))
        dict_rehash(d, 1);
}

/* Returns the link that points at the node with key (the bucket's head or
 * the previous node's next), or NULL if no such node. *table tells which
 * table holds it. */
static struct dict_node **dict_find_link(struct dict *d, const char *key, size_t klen, int *table)
{
    uint64_t h = dict_hash(d, key, klen);

    for (int t = 0; t < 2; t++) {
        struct dict_node **link;

        if (d->t[t].bucket == NULL)
            break;
        for (link = &d->t[t].bucket[h & d->t[t].mask]; *link != NULL; link = &(*link)->next) {
            if ((*link)->klen == klen && memcmp((*link)->key, key, klen) == 0) {
                *table = t;
                return link;
            }
        }
        if (!dict_is_rehashing(d))
            break;
    }
    return NULL;
}

struct dict_node *dict_find(struct dict *d, const char *key, size_t klen)
{
    struct dict_node **link;
    int t;

    dict_rehash_step(d);
    link = dict_find_link(d, key, klen, &t);
    return link != NULL ? *link : NULL;
}

/* Adds n, known to be absent, growing the table first at load factor 1. */
static void dict_add(struct dict *d, struct dict_node *n)
{
    struct dict_table *t;
    size_t i;

    if (!dict_is_rehashing(d) && d->t[0].used >= table_size(&d->t[0]))
        dict_resize(d, dict_round_size(d->t[0].used + 1));
    /* While rehashing, new nodes go to the new table: the old one only
     * empties. */
    t = dict_is_rehashing(d) ? &d->t[1] : &d->t[0];
    i = dict_hash(d, n->key, n->klen) & t->mask;
    n->next = t->bucket[i];
    t->bucket[i] = n;
    t->used++;
}

void dict_insert(struct dict *d, struct dict_node *n)
{
    dict_rehash_step(d);
    dict_add(d, n);
}

struct dict_node *dict_replace(struct dict *d, struct dict_node *n)
{
    struct dict_node **link, *old;
    int t;

    dict_rehash_step(d);
    link = dict_find_link(d, n->key, n->klen, &t);
    if (link == NULL) {
        dict_add(d, n);
        return NULL;
    }
    old = *link;
    n->next = old->next;
    *link = n;
    old->next = NULL;
    return old;
}

struct dict_node *dict_remove(struct dict *d, const char *key, size_t klen)
{
    struct dict_node **link, *old;
    int t;
    size_t size;

    dict_rehash_step(d);
    link = dict_find_link(d, key, klen, &t);
    if (link == NULL)
        return NULL;
    old = *link;
    *link = old->next;
    old->next = NULL;
    d->t[t].used--;

    size = table_size(&d->t[0]);
    if (!dict_is_rehashing(d) && size > DICT_MIN_SIZE && d->t[0].used < size / DICT_SHRINK_RATIO)
        dict_resize(d, dict_round_size(d->t[0].used));
    return old;
}

/* ---- iteration ---- */

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & UINT64_C(0x5555555555555555)) | ((v & UINT64_C(0x5555555555555555)) << 1);
    v = ((v >> 2) & UINT64_C(0x3333333333333333)) | ((v & UINT64_C(0x3333333333333333)) << 2);
    v = ((v >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) | ((v & UINT64_C(0x0f0f0f0f0f0f0f0f)) << 4);
    v = ((v >> 8) & UINT64_C(0x00ff00ff00ff00ff)) | ((v & UINT64_C(0x00ff00ff00ff00ff)) << 8);
    v = ((v >> 16) & UINT64_C(0x0000ffff0000ffff)) | ((v & UINT64_C(0x0000ffff0000ffff)) << 16);
    return (v >> 32) | (v << 32);
}

static void visit_bucket(const struct dict_table *t, uint64_t i, dict_visit_fn *visit, void *ctx)
{
    struct dict_node *n, *next;

    for (n = t->bucket[i & t->mask]; n != NULL; n = next) {
        next = n->next;
        visit(n, ctx);
    }
}

/* Adds one to the cursor counted from its high bit down, among the bits
 * of mask: setting the bits outside mask first makes the carry run off the
 * top of the word instead of into them. */
static uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

/* Why the cursor counts in reverse bit order: bucket i of a table of 2^k
 * buckets holds the keys whose hash ends in the k bits of i; after doubling,
 * they are in buckets i and i + 2^k, whose reversed indices are next to
 * each other and both at or after i's reversed index. Counting upward on
 * the reversed index therefore never skips a bucket when the table grows,
 * and when it shrinks the few buckets that merge are visited again (that
 * is the "may be visited twice"). While two tables are live, a bucket of
 * the small table and every bucket of the large one that it expands into
 * are visited in the same step, so the cursor means the same in both. */
uint64_t dict_scan(const struct dict *d, uint64_t cursor, dict_visit_fn *visit, void *ctx)
{
    const struct dict_table *small, *large;
    uint64_t v = cursor;

    if (dict_size(d) == 0)
        return 0;
    if (!dict_is_rehashing(d)) {
        small = &d->t[0];
        visit_bucket(small, v, visit, ctx);
        return cursor_next(v, small->mask);
    }
    small = &d->t[0];
    large = &d->t[1];
    if (small->mask > large->mask) {
        small = &d->t[1];
        large = &d->t[0];
    }
    visit_bucket(small, v, visit, ctx);
    /* The buckets of the large table whose low bits are v's under the small
     * mask: step through the bits only the large mask has. */
    do {
        visit_bucket(large, v, visit, ctx);
        v = cursor_next(v, large->mask);
    } while ((v & (small->mask ^ large->mask)) != 0);
    return v;
}

void dict_each(const struct dict *d, dict_visit_fn *visit, void *ctx)
{
    for (int t = 0; t < 2; t++) {
        size_t size = table_size(&d->t[t]);

        for (size_t i = 0; i < size; i++)
            visit_bucket(&d->t[t], i, visit, ctx);
    }
}
