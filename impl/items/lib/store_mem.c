/* The in-memory store: everything lives in this process and is gone when
 * it exits.
 *
 * Two indexes over the same nodes, both guarded by one rwlock (readers
 * share it, a writer holds it alone):
 *   - by id: an array of node pointers sorted by id. Ids come from a
 *     counter that only grows, so a create appends and the array stays
 *     sorted for free; get and the start of a list page are a binary
 *     search, and a page is then a run of consecutive slots. A delete
 *     closes its gap with memmove (pointers only: 8 MB for a million
 *     items, rare next to reads).
 *   - by name: a chained hash table, so that the uniqueness check of a
 *     create or replace costs O(1) instead of a scan.
 *
 * A node stores the strings packed after it ("name\0tag\0tag\0") rather
 * than a whole struct item, which reserves room for the longest name and
 * ten of the longest tags (1.6 KB) whatever the item holds. */

#include "store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct mem_node {
    int64_t id;
    double price;
    int64_t quantity;
    struct mem_node *name_next; /* next node in the same name bucket */
    uint32_t name_hash;
    unsigned ntags;
    char text[]; /* name, then each tag, each NUL-terminated */
};

struct mem_store {
    struct store base;
    pthread_rwlock_t lock;
    uint64_t max_items;
    int64_t last_id;         /* the largest id ever given out */
    struct mem_node **by_id; /* sorted by id */
    size_t n, cap;
    struct mem_node **buckets; /* name index; nbuckets is a power of two */
    size_t nbuckets;
};

#define MEM_MIN_BUCKETS 64

static struct mem_store *mem_of(struct store *s)
{
    return (struct mem_store *)s;
}

/* FNV-1a: short, good enough for names, and no dependency. */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

/* Makes a node holding every field of *it but the id. NULL when out of
 * memory. */
static struct mem_node *node_pack(const struct item *it)
{
    size_t name_len = strnlen(it->name, ITEM_NAME_BYTES - 1);
    size_t tag_len[ITEM_TAGS_MAX];
    unsigned ntags = it->ntags <= ITEM_TAGS_MAX ? it->ntags : ITEM_TAGS_MAX;
    size_t size = name_len + 1;

    for (unsigned i = 0; i < ntags; i++) {
        tag_len[i] = strnlen(it->tags[i], ITEM_TAG_BYTES - 1);
        size += tag_len[i] + 1;
    }
    struct mem_node *nd = malloc(sizeof(*nd) + size);
    if (nd == NULL)
        return NULL;
    nd->id = 0;
    nd->price = it->price;
    nd->quantity = it->quantity;
    nd->name_next = NULL;
    nd->ntags = ntags;

    char *p = nd->text;
    memcpy(p, it->name, name_len);
    p[name_len] = '\0';
    p += name_len + 1;
    for (unsigned i = 0; i < ntags; i++) {
        memcpy(p, it->tags[i], tag_len[i]);
        p[tag_len[i]] = '\0';
        p += tag_len[i] + 1;
    }
    nd->name_hash = name_hash(nd->text);
    return nd;
}

static void node_unpack(const struct mem_node *nd, struct item *it)
{
    const char *p = nd->text;
    size_t len = strlen(p);

    it->id = nd->id;
    it->price = nd->price;
    it->quantity = nd->quantity;
    memcpy(it->name, p, len + 1);
    p += len + 1;
    it->ntags = nd->ntags;
    for (unsigned i = 0; i < nd->ntags; i++) {
        len = strlen(p);
        memcpy(it->tags[i], p, len + 1);
        p += len + 1;
    }
}

/* The node named name, or NULL. */
static struct mem_node *name_find(const struct mem_store *m, const char *name, uint32_t h)
{
    for (struct mem_node *nd = m->buckets[h & (m->nbuckets - 1)]; nd != NULL; nd = nd->name_next)
        if (nd->name_hash == h && strcmp(nd->text, name) == 0)
            return nd;
    return NULL;
}

static void name_link(struct mem_store *m, struct mem_node *nd)
{
    struct mem_node **head = &m->buckets[nd->name_hash & (m->nbuckets - 1)];

    nd->name_next = *head;
    *head = nd;
}

static void name_unlink(struct mem_store *m, struct mem_node *nd)
{
    struct mem_node **pp = &m->buckets[nd->name_hash & (m->nbuckets - 1)];

    while (*pp != nd)
        pp = &(*pp)->name_next;
    *pp = nd->name_next;
}

/* Doubles the name table once it holds more names than buckets. When the
 * bigger table cannot be had the old one stays: chains get longer, answers
 * stay right, so this never fails. */
static void name_grow(struct mem_store *m)
{
    if (m->n <= m->nbuckets)
        return;
    size_t nb = m->nbuckets * 2;
    struct mem_node **b = calloc(nb, sizeof(*b));
    if (b == NULL)
        return;
    for (size_t i = 0; i < m->n; i++) {
        struct mem_node *nd = m->by_id[i];
        struct mem_node **head = &b[nd->name_hash & (nb - 1)];

        nd->name_next = *head;
        *head = nd;
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

/* The index of the first node whose id is > after (m->n when none). */
static size_t id_upper_bound(const struct mem_store *m, int64_t after)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (m->by_id[mid]->id <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The index of node id, or -1. */
static ptrdiff_t id_find(const struct mem_store *m, int64_t id)
{
    size_t i = id == INT64_MIN ? 0 : id_upper_bound(m, id - 1);

    return i < m->n && m->by_id[i]->id == id ? (ptrdiff_t)i : -1;
}

static int mem_create(struct store *s, struct item *it)
{
    struct mem_store *m = mem_of(s);
    int rc = STORE_OK;

    /* Allocate before taking the lock: the slow part stays outside it. */
    struct mem_node *nd = node_pack(it);
    if (nd == NULL)
        return STORE_ENOMEM;
    pthread_rwlock_wrlock(&m->lock);
    if (m->n >= m->max_items || m->last_id == INT64_MAX) {
        rc = STORE_EFULL;
        goto out;
    }
    if (name_find(m, nd->text, nd->name_hash) != NULL) {
        rc = STORE_ECONFLICT;
        goto out;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap != 0 ? m->cap * 2 : 64;
        struct mem_node **a = realloc(m->by_id, cap * sizeof(*a));
        if (a == NULL) {
            rc = STORE_ENOMEM;
            goto out;
        }
        m->by_id = a;
        m->cap = cap;
    }
    /* Nothing can fail past this point: the item is stored whole. */
    nd->id = ++m->last_id;
    m->by_id[m->n++] = nd;
    name_link(m, nd);
    name_grow(m);
    it->id = nd->id;
    nd = NULL;
out:
    pthread_rwlock_unlock(&m->lock);
    free(nd);
    return rc;
}

static int mem_get(struct store *s, int64_t id, struct item *it)
{
    struct mem_store *m = mem_of(s);

    pthread_rwlock_rdlock(&m->lock);
    ptrdiff_t i = id_find(m, id);
    if (i >= 0)
        node_unpack(m->by_id[i], it);
    pthread_rwlock_unlock(&m->lock);
    return i >= 0 ? STORE_OK : STORE_ENOTFOUND;
}

static int mem_list(struct store *s, int64_t after, struct item *out, size_t max, size_t *n,
                    int *more)
{
    struct mem_store *m = mem_of(s);
    size_t got = 0;

    pthread_rwlock_rdlock(&m->lock);
    size_t i = id_upper_bound(m, after);
    for (; i < m->n && got < max; i++)
        node_unpack(m->by_id[i], &out[got++]);
    *more = i < m->n;
    pthread_rwlock_unlock(&m->lock);
    *n = got;
    return STORE_OK;
}

static int mem_replace(struct store *s, const struct item *it)
{
    struct mem_store *m = mem_of(s);
    int rc = STORE_OK;

    /* A new node, swapped in for the old one: its size follows the new
     * strings, and on failure the old item is untouched. */
    struct mem_node *nd = node_pack(it);
    if (nd == NULL)
        return STORE_ENOMEM;
    pthread_rwlock_wrlock(&m->lock);
    ptrdiff_t i = id_find(m, it->id);
    if (i < 0) {
        rc = STORE_ENOTFOUND;
        goto out;
    }
    struct mem_node *old = m->by_id[i];
    struct mem_node *same = name_find(m, nd->text, nd->name_hash);
    if (same != NULL && same != old) {
        rc = STORE_ECONFLICT;
        goto out;
    }
    nd->id = old->id;
    name_unlink(m, old);
    name_link(m, nd);
    m->by_id[i] = nd;
    nd = old; /* freed below */
out:
    pthread_rwlock_unlock(&m->lock);
    free(nd);
    return rc;
}

static int mem_remove(struct store *s, int64_t id)
{
    struct mem_store *m = mem_of(s);
    struct mem_node *nd = NULL;

    pthread_rwlock_wrlock(&m->lock);
    ptrdiff_t i = id_find(m, id);
    if (i >= 0) {
        nd = m->by_id[i];
        name_unlink(m, nd);
        memmove(&m->by_id[i], &m->by_id[i + 1], (m->n - (size_t)i - 1) * sizeof(nd));
        m->n--;
    }
    pthread_rwlock_unlock(&m->lock);
    free(nd);
    return nd != NULL ? STORE_OK : STORE_ENOTFOUND;
}

static int mem_count(struct store *s, uint64_t *n)
{
    struct mem_store *m = mem_of(s);

    pthread_rwlock_rdlock(&m->lock);
    *n = m->n;
    pthread_rwlock_unlock(&m->lock);
    return STORE_OK;
}

static int mem_ping(struct store *s)
{
    (void)s;
    return STORE_OK;
}

static void mem_close(struct store *s)
{
    struct mem_store *m = mem_of(s);

    for (size_t i = 0; i < m->n; i++)
        free(m->by_id[i]);
    free(m->by_id);
    free(m->buckets);
    pthread_rwlock_destroy(&m->lock);
    free(m);
}

static const struct store_ops mem_ops = {
    .create = mem_create,
    .get = mem_get,
    .list = mem_list,
    .replace = mem_replace,
    .remove = mem_remove,
    .count = mem_count,
    .ping = mem_ping,
    .close = mem_close,
};

int store_mem_open(uint64_t max_items, struct store **out)
{
    struct mem_store *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return STORE_ENOMEM;
    m->buckets = calloc(MEM_MIN_BUCKETS, sizeof(*m->buckets));
    if (m->buckets == NULL)
        goto fail;
    m->nbuckets = MEM_MIN_BUCKETS;
    /* glibc's default rwlock lets a steady stream of readers starve a
     * writer forever; this kind makes new readers wait behind it. */
    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0)
        goto fail;
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int err = pthread_rwlock_init(&m->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (err != 0)
        goto fail;
    m->base.ops = &mem_ops;
    m->max_items = max_items;
    *out = &m->base;
    return STORE_OK;
fail:
    free(m->buckets);
    free(m);
    return STORE_ENOMEM;
}
