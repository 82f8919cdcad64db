#ifndef OSNET_ITEMS_STORE_H
#define OSNET_ITEMS_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Where items live: in memory, or in an SQLite database. Both are behind
 * one table of functions, so api.c never knows which it talks to, and
 * tests/test_store.c runs the same cases against both. Every function is
 * thread-safe. Functions return 0 or a negative STORE_E* code. */

#define ITEM_NAME_MAX   100 /* characters (code points) */
#define ITEM_TAGS_MAX   10
#define ITEM_TAG_MAX    30  /* characters */
/* Bytes: 4 per character of UTF-8 at most, and a NUL. */
#define ITEM_NAME_BYTES (4 * ITEM_NAME_MAX + 1)
#define ITEM_TAG_BYTES  (4 * ITEM_TAG_MAX + 1)

struct item {
    int64_t id;
    char name[ITEM_NAME_BYTES];
    double price;
    int64_t quantity;
    unsigned ntags;
    char tags[ITEM_TAGS_MAX][ITEM_TAG_BYTES];
};

/* The failures a store reports, each mapped to one HTTP status by api.c. */
enum store_err {
    STORE_OK = 0,
    STORE_ENOTFOUND = -1, /* no item with that id: 404 */
    STORE_ECONFLICT = -2, /* another item has that name: 409 */
    STORE_EFULL = -3,     /* --max-items reached, or the disk is full: 503 */
    STORE_EBUSY = -4,     /* the database stayed locked: 503 */
    STORE_EIO = -5,       /* a read, write or sync failed; corruption: 500 */
    STORE_ENOMEM = -6,    /* 500 */
};

struct store;

struct store_ops {
    /* Stores a new item (it->id is ignored) and sets it->id to the new id:
     * larger than every id ever given out by this store, never reused. */
    int (*create)(struct store *s, struct item *it);
    /* Fills *it with item id. */
    int (*get)(struct store *s, int64_t id, struct item *it);
    /* Fills out[0..*n) with up to max items whose id is > after, in id
     * order; sets *more when an item with a larger id than the last one
     * returned exists. */
    int (*list)(struct store *s, int64_t after, struct item *out, size_t max, size_t *n,
                int *more);
    /* Replaces item it->id with *it (every field but the id). */
    int (*replace)(struct store *s, const struct item *it);
    /* Deletes item id. */
    int (*remove)(struct store *s, int64_t id);
    /* Sets *n to the number of items held. */
    int (*count)(struct store *s, uint64_t *n);
    /* Checks that the store answers a trivial query (GET /healthz). */
    int (*ping)(struct store *s);
    /* Closes and frees the store. */
    void (*close)(struct store *s);
};

struct store {
    const struct store_ops *ops;
};

/* Opens an empty store in memory holding at most max_items. Returns 0 and
 * *out, or STORE_ENOMEM. */
int store_mem_open(uint64_t max_items, struct store **out);

/* Opens (creating when missing) the SQLite database at path: WAL journal,
 * synchronous=FULL, prepared statements, at most max_items items. Returns
 * 0 and *out, or a STORE_E* code after writing SQLite's message into
 * err[0..errlen). */
int store_sqlite_open(const char *path, uint64_t max_items, struct store **out, char *err,
                      size_t errlen);

/* A short name of a STORE_E* code ("not found"). */
const char *store_strerror(int err);

#endif
