#ifndef OSNET_KV_DICT_H
#define OSNET_KV_DICT_H
#include <stddef.h>
#include <stdint.h>

/* A hash table of binary keys, as redis's dict.c is built:
 *
 *   - separate chaining, table sizes are powers of two (a bucket is the
 *     hash's low bits);
 *   - it grows (doubles) when it holds as many keys as buckets and shrinks
 *     when it holds fewer keys than an eighth of its buckets, never below
 *     DICT_MIN_SIZE buckets;
 *   - resizing is incremental: a second table is allocated and each later
 *     operation moves one bucket of the old table into it, so no single
 *     call pays for moving every key; lookups search both tables meanwhile;
 *   - the hash is SipHash-1-3 keyed with a per-process random seed, so a
 *     client cannot choose keys that all fall into one bucket;
 *   - dict_scan() walks it with redis's reverse-binary cursor, which visits
 *     every key present for a whole iteration even if the table is resized
 *     between calls.
 *
 * The table is intrusive: callers embed a struct dict_node in their own
 * records (and may store the key bytes in the same allocation), so the table
 * itself allocates only bucket arrays. Because of that, insertion never
 * fails: if a bigger table cannot be allocated the chains just get longer
 * until a later insertion manages to grow it. */

#define DICT_MIN_SIZE 4

/* The link a caller embeds in each record. key/klen are set by the caller
 * before insertion and not changed while the node is in a table. */
struct dict_node {
    struct dict_node *next;
    const char *key;
    size_t klen;
};

struct dict_table {
    struct dict_node **bucket; /* mask + 1 chains */
    size_t mask;
    size_t used; /* nodes in this table */
};

/* Fields are read by tests; only dict functions change them. */
struct dict {
    /* t[0] is the table in use; while rehashing, t[1] is the table being
     * filled, and buckets of t[0] below rehash_idx are already empty. */
    struct dict_table t[2];
    size_t rehash_idx; /* SIZE_MAX when not rehashing */
    uint8_t seed[16];
};

/* Initializes an empty table of DICT_MIN_SIZE buckets whose hash is keyed
 * with seed. Returns 0 or -ENOMEM. */
int dict_init(struct dict *d, const uint8_t seed[16]);

/* Calls free_node (if not NULL) on each node and releases the buckets. The
 * dict must be initialized again before any other use. */
void dict_free(struct dict *d, void (*free_node)(struct dict_node *n, void *ctx), void *ctx);

/* Removes every node, calling free_node (if not NULL) on each, and goes back
 * to a small table when it can (if that allocation fails, the big one is
 * kept, emptied). */
void dict_clear(struct dict *d, void (*free_node)(struct dict_node *n, void *ctx), void *ctx);

/* Number of nodes in the dict. */
size_t dict_size(const struct dict *d);

/* 1 while an incremental resize is in progress. */
int dict_is_rehashing(const struct dict *d);

/* Returns the node whose key is key[0..klen), or NULL. Does one step of
 * rehashing, which moves nodes between tables but never frees them. */
struct dict_node *dict_find(struct dict *d, const char *key, size_t klen);

/* Inserts n, whose key must not be in the dict yet. Cannot fail. */
void dict_insert(struct dict *d, struct dict_node *n);

/* Inserts n, replacing the node with the same key if there is one (in its
 * place in the chain). Returns the replaced node, now out of the dict, or
 * NULL if n was added. Cannot fail. */
struct dict_node *dict_replace(struct dict *d, struct dict_node *n);

/* Removes the node with key key[0..klen) and returns it, or NULL if there
 * is none. Cannot fail; the caller frees the node. */
struct dict_node *dict_remove(struct dict *d, const char *key, size_t klen);

/* Does up to n steps of an incremental resize in progress (a step moves one
 * bucket; at most 10 * n empty buckets are skipped). Returns 1 if the
 * resize is still in progress, else 0. */
int dict_rehash(struct dict *d, size_t n);

/* Called by dict_scan and dict_each for each node; it must not change the
 * dict. */
typedef void dict_visit_fn(struct dict_node *n, void *ctx);

/* One step of an iteration: visits the nodes of one bucket of the smaller
 * table (and, while rehashing, of every bucket of the larger table that
 * bucket expands to), starting at cursor (0 starts an iteration), and
 * returns the cursor of the next step, 0 when the iteration is complete.
 * Every node present from the first step to the last is visited at least
 * once, whatever resizing happens between steps; a node may be visited
 * twice. */
uint64_t dict_scan(const struct dict *d, uint64_t cursor, dict_visit_fn *visit, void *ctx);

/* Visits every node once, in table order. */
void dict_each(const struct dict *d, dict_visit_fn *visit, void *ctx);

/* SipHash-c-d (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of p[0..n) keyed with key, c compression and d finalization rounds.
 * The dict uses c = 1, d = 3 (what redis and CPython use: it is fast on
 * short keys and still keyed); 2-4 is the paper's reference setting, which
 * its test vectors are for. */
uint64_t dict_siphash(const uint8_t key[16], const void *p, size_t n, unsigned c, unsigned d);

/* The dict's hash: SipHash-1-3 of key[0..klen) keyed with d's seed. */
uint64_t dict_hash(const struct dict *d, const char *key, size_t klen);

#endif
