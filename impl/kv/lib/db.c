#include "db.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

/* A key as stored: the table link, what callers see, its place in the
 * expiry heap, then the key and value bytes in the same allocation (one
 * malloc per key, and a value is replaced by replacing the whole item). */
struct db_item {
    struct dict_node node;
    struct db_entry e;
    size_t heap_idx; /* index in db->heap, or NOT_IN_HEAP */
    char data[];     /* klen key bytes, then vlen value bytes */
};

#define NOT_IN_HEAP SIZE_MAX

/* Buckets an expire step moves of a resize in progress, so an idle server
 * finishes resizing without waiting for commands to do it. */
#define DB_IDLE_REHASH 100

struct db {
    struct dict dict;
    /* Min-heap of the items with a deadline, earliest at heap[0]; each item
     * knows its index, so it can be removed or moved in O(log n). */
    struct db_item **heap;
    size_t heap_len;
    size_t heap_cap;
    /* Room promised: prepared puts not yet committed or aborted that may
     * add one deadline each and the last db_reserve_expires. */
    size_t pending_puts;
    size_t reserved;
};

struct db_put {
    struct db *db;
    struct db_item *item;
    bool with_deadline; /* holds one of db->pending_puts' heap slots */
};

static struct db_item *item_of_node(struct dict_node *n)
{
    return (struct db_item *)((char *)n - offsetof(struct db_item, node));
}

static struct db_item *item_of_entry(const struct db_entry *e)
{
    return (struct db_item *)((char *)e - offsetof(struct db_item, e));
}

static int item_expired(const struct db_item *it, int64_t now)
{
    return it->e.expire_at != DB_NO_EXPIRE && it->e.expire_at <= now;
}

/* ---- the expiry heap ---- */

static void heap_set(struct db *db, size_t i, struct db_item *it)
{
    db->heap[i] = it;
    it->heap_idx = i;
}

static void heap_up(struct db *db, size_t i)
{
    struct db_item *it = db->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (db->heap[parent]->e.expire_at <= it->e.expire_at)
            break;
        heap_set(db, i, db->heap[parent]);
        i = parent;
    }
    heap_set(db, i, it);
}

static void heap_down(struct db *db, size_t i)
{
    struct db_item *it = db->heap[i];

    for (;;) {
        size_t child = 2 * i + 1;

        if (child >= db->heap_len)
            break;
        if (child + 1 < db->heap_len &&
            db->heap[child + 1]->e.expire_at < db->heap[child]->e.expire_at)
            child++;
        if (it->e.expire_at <= db->heap[child]->e.expire_at)
            break;
        heap_set(db, i, db->heap[child]);
        i = child;
    }
    heap_set(db, i, it);
}

/* Restores the order around index i after the item there changed deadline. */
static void heap_fix(struct db *db, size_t i)
{
    heap_up(db, i);
    heap_down(db, db->heap[i]->heap_idx);
}

/* Callers made sure there is room (heap_reserve). */
static void heap_push(struct db *db, struct db_item *it)
{
    heap_set(db, db->heap_len++, it);
    heap_up(db, db->heap_len - 1);
}

static void heap_remove(struct db *db, struct db_item *it)
{
    size_t i = it->heap_idx;
    struct db_item *last = db->heap[--db->heap_len];

    it->heap_idx = NOT_IN_HEAP;
    if (i == db->heap_len)
        return;
    heap_set(db, i, last);
    heap_fix(db, i);
}

/* Makes room for n more deadlines than the heap and the prepared puts
 * already hold. Returns 0 or -ENOMEM. */
static int heap_reserve(struct db *db, size_t n)
{
    size_t want = db->heap_len + db->pending_puts + n, cap;
    struct db_item **heap;

    if (want <= db->heap_cap)
        return 0;
    cap = db->heap_cap > 0 ? db->heap_cap : 16;
    while (cap < want)
        cap *= 2;
    heap = realloc(db->heap, cap * sizeof(*heap));
    if (heap == NULL)
        return -ENOMEM;
    db->heap = heap;
    db->heap_cap = cap;
    return 0;
}

/* Gives back heap memory after many deadlines are gone, keeping what was
 * promised. A failed realloc just keeps the bigger array. */
static void heap_trim(struct db *db)
{
    size_t keep = 2 * (db->heap_len + db->pending_puts + db->reserved);
    struct db_item **heap;

    if (keep < 16)
        keep = 16;
    if (db->heap_cap <= 4 * keep)
        return;
    heap = realloc(db->heap, keep * sizeof(*heap));
    if (heap == NULL)
        return;
    db->heap = heap;
    db->heap_cap = keep;
}

/* ---- the keyspace ---- */

int db_create(struct db **out, const uint8_t seed[16])
{
    struct db *db = calloc(1, sizeof(*db));

    if (db == NULL)
        return -ENOMEM;
    if (dict_init(&db->dict, seed) != 0) {
        free(db);
        return -ENOMEM;
    }
    *out = db;
    return 0;
}

static void free_item_node(struct dict_node *n, void *ctx)
{
    (void)ctx;
    free(item_of_node(n));
}

void db_destroy(struct db *db)
{
    if (db == NULL)
        return;
    dict_free(&db->dict, free_item_node, NULL);
    free(db->heap);
    free(db);
}

size_t db_size(const struct db *db)
{
    return dict_size(&db->dict);
}

size_t db_expires(const struct db *db)
{
    return db->heap_len;
}

/* Unlinks an item from the table and the heap and frees it. */
static void db_remove_item(struct db *db, struct db_item *it)
{
    struct dict_node *n = dict_remove(&db->dict, it->e.key, it->e.klen);

    (void)n; /* it is the node with its own key */
    if (it->heap_idx != NOT_IN_HEAP)
        heap_remove(db, it);
    free(it);
}

const struct db_entry *db_find(struct db *db, const char *key, size_t klen, int64_t now)
{
    struct dict_node *n = dict_find(&db->dict, key, klen);
    struct db_item *it;

    if (n == NULL)
        return NULL;
    it = item_of_node(n);
    if (item_expired(it, now)) {
        db_remove_item(db, it);
        return NULL;
    }
    return &it->e;
}

int db_put_prepare(struct db *db, const char *key, size_t klen, const char *val, size_t vlen,
                   bool with_deadline, struct db_put **out)
{
    struct db_put *put;
    struct db_item *it;

    if (vlen > SIZE_MAX - sizeof(*it) || klen > SIZE_MAX - sizeof(*it) - vlen)
        return -ENOMEM;
    /* The commit may give the key a deadline it did not have: one heap slot
     * per such uncommitted put is set aside now. */
    if (with_deadline && heap_reserve(db, 1) != 0)
        return -ENOMEM;
    put = malloc(sizeof(*put));
    it = malloc(sizeof(*it) + klen + vlen);
    if (put == NULL || it == NULL) {
        free(put);
        free(it);
        return -ENOMEM;
    }
    if (klen > 0)
        memcpy(it->data, key, klen);
    if (vlen > 0)
        memcpy(it->data + klen, val, vlen);
    it->node.next = NULL;
    it->node.key = it->data;
    it->node.klen = klen;
    it->e.key = it->data;
    it->e.klen = klen;
    it->e.val = it->data + klen;
    it->e.vlen = vlen;
    it->e.expire_at = DB_NO_EXPIRE;
    it->heap_idx = NOT_IN_HEAP;
    put->db = db;
    put->item = it;
    put->with_deadline = with_deadline;
    if (with_deadline)
        db->pending_puts++;
    *out = put;
    return 0;
}

void db_put_commit(struct db *db, struct db_put *put, int64_t expire_at)
{
    struct db_item *it = put->item, *old = NULL;
    struct dict_node *n;

    bool reserved = put->with_deadline;

    free(put);
    if (reserved)
        db->pending_puts--;
    n = dict_replace(&db->dict, &it->node);
    if (n != NULL)
        old = item_of_node(n);
    if (expire_at == DB_KEEP_TTL)
        expire_at = old != NULL ? old->e.expire_at : DB_NO_EXPIRE;
    it->e.expire_at = expire_at;

    if (old != NULL && old->heap_idx != NOT_IN_HEAP) {
        if (expire_at != DB_NO_EXPIRE) {
            /* The new item takes the old one's place and moves from there. */
            size_t i = old->heap_idx;

            heap_set(db, i, it);
            heap_fix(db, i);
            old->heap_idx = NOT_IN_HEAP;
        } else {
            heap_remove(db, old);
        }
    } else if (expire_at != DB_NO_EXPIRE) {
        assert(reserved); /* a deadline needs a put prepared with_deadline */
        heap_push(db, it); /* room reserved by db_put_prepare */
    }
    free(old);
}

void db_put_abort(struct db_put *put)
{
    if (put == NULL)
        return;
    if (put->with_deadline)
        put->db->pending_puts--;
    free(put->item);
    free(put);
}

int db_delete(struct db *db, const char *key, size_t klen)
{
    struct dict_node *n = dict_remove(&db->dict, key, klen);
    struct db_item *it;

    if (n == NULL)
        return 0;
    it = item_of_node(n);
    if (it->heap_idx != NOT_IN_HEAP)
        heap_remove(db, it);
    free(it);
    return 1;
}

int db_reserve_expires(struct db *db, size_t n)
{
    int rc = heap_reserve(db, n);

    if (rc == 0)
        db->reserved = n;
    return rc;
}

void db_set_expire(struct db *db, const struct db_entry *e, int64_t expire_at)
{
    struct db_item *it = item_of_entry(e);

    it->e.expire_at = expire_at;
    if (expire_at == DB_NO_EXPIRE) {
        if (it->heap_idx != NOT_IN_HEAP)
            heap_remove(db, it);
    } else if (it->heap_idx != NOT_IN_HEAP) {
        heap_fix(db, it->heap_idx);
    } else {
        heap_push(db, it); /* room reserved by db_reserve_expires */
    }
}

void db_flush(struct db *db)
{
    dict_clear(&db->dict, free_item_node, NULL);
    db->heap_len = 0;
}

size_t db_expire_step(struct db *db, int64_t now, size_t max)
{
    size_t n = 0;

    while (n < max && db->heap_len > 0 && db->heap[0]->e.expire_at <= now) {
        db_remove_item(db, db->heap[0]);
        n++;
    }
    dict_rehash(&db->dict, DB_IDLE_REHASH);
    heap_trim(db);
    return n;
}

struct scan_ctx {
    db_scan_cb *cb;
    void *ctx;
    int64_t now;
    size_t seen;
};

static void scan_visit(struct dict_node *n, void *arg)
{
    struct scan_ctx *sc = arg;
    struct db_item *it = item_of_node(n);

    if (item_expired(it, sc->now))
        return;
    sc->seen++;
    sc->cb(&it->e, sc->ctx);
}

/* As redis's SCAN: dict_scan steps until about count keys were returned,
 * or 10 * count buckets were looked at (a sparse table must not make one
 * call long), or the iteration is over. */
uint64_t db_scan(struct db *db, uint64_t cursor, size_t count, int64_t now, db_scan_cb *cb,
                 void *ctx)
{
    struct scan_ctx sc = {cb, ctx, now, 0};
    size_t steps;

    if (count == 0)
        count = 1;
    steps = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    do {
        cursor = dict_scan(&db->dict, cursor, scan_visit, &sc);
    } while (cursor != 0 && sc.seen < count && --steps > 0);
    return cursor;
}

void db_each(struct db *db, int64_t now, db_scan_cb *cb, void *ctx)
{
    struct scan_ctx sc = {cb, ctx, now, 0};

    dict_each(&db->dict, scan_visit, &sc);
}

/* ---- glob ---- */

/* Matches the single-byte token at pattern[*pi] ('?', a [class], a '\'
 * escape or a literal byte; never '*') against byte c and moves *pi past the
 * token. The class rules are redis's (util.c stringmatchlen), quirks
 * included, because KEYS and PSUBSCRIBE must answer as redis does:
 *   - '\x' inside a class is the literal x;
 *   - "a-z" is a range, reversed bounds are swapped, and bounds compare as
 *     C chars (signed on x86, like redis's build: bytes >= 0x80 sort
 *     below 0);
 *   - a class with no closing ']' runs to the end of the pattern;
 *   - outside a class, a '\' that is the last byte is a literal '\'. */
static int glob_token(const char *pat, size_t plen, size_t *pi, char c)
{
    size_t p = *pi;
    int match = 0, negate;

    if (pat[p] == '?') {
        *pi = p + 1;
        return 1;
    }
    if (pat[p] != '[') {
        if (pat[p] == '\\' && plen - p >= 2)
            p++;
        *pi = p + 1;
        return pat[p] == c;
    }
    p++;
    negate = p < plen && pat[p] == '^';
    if (negate)
        p++;
    while (p < plen && pat[p] != ']') {
        if (pat[p] == '\\' && plen - p >= 2) {
            p++;
            if (pat[p] == c)
                match = 1;
        } else if (plen - p >= 3 && pat[p + 1] == '-') {
            signed char lo = (signed char)pat[p], hi = (signed char)pat[p + 2];
            signed char sc = (signed char)c;

            if (lo > hi) {
                signed char t = lo;

                lo = hi;
                hi = t;
            }
            if (sc >= lo && sc <= hi)
                match = 1;
            p += 2;
        } else if (pat[p] == c) {
            match = 1;
        }
        p++;
    }
    *pi = p < plen ? p + 1 : plen; /* past the ']' */
    return negate ? !match : match;
}

/* Iterative matching with backtracking to the last '*' only. Every token
 * other than '*' matches exactly one byte, so when the text after a star
 * fails, letting an earlier star absorb more cannot help: only the last
 * star needs to try longer runs. That bounds the work by
 * O(pattern length * string length), where naive recursion on every star
 * is exponential ("a*a*a*a*b" against a long run of 'a').
 *
 * Like redis, an empty string matches only the empty pattern ("*" does not
 * match ""), and once the string is used up the pattern may only have
 * stars left. */
int db_glob_match(const char *pattern, size_t plen, const char *str, size_t slen)
{
    size_t p = 0, s = 0;
    size_t star_p = SIZE_MAX, star_s = 0;

    if (slen == 0)
        return plen == 0;
    while (s < slen) {
        if (p < plen && pattern[p] == '*') {
            while (p < plen && pattern[p] == '*')
                p++;
            if (p == plen)
                return 1;
            star_p = p;
            star_s = s;
            continue;
        }
        if (p < plen) {
            size_t q = p;

            if (glob_token(pattern, plen, &q, str[s])) {
                p = q;
                s++;
                continue;
            }
        }
        if (star_p == SIZE_MAX)
            return 0;
        /* The last star absorbs one more byte; retry what follows it. */
        p = star_p;
        s = ++star_s;
    }
    while (p < plen && pattern[p] == '*')
        p++;
    return p == plen;
}
