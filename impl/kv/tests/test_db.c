/* Unit tests for the keyspace: prepared writes, deadlines (KEEPTTL, lazy
 * and active expiry, heap order), SCAN and iteration that skip expired keys,
 * and redis's glob matching. Times are given, never read from a clock. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static const uint8_t seed[16] = {42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static struct db *new_db(void)
{
    struct db *db = NULL;

    assert_int_equal(db_create(&db, seed), 0);
    assert_non_null(db);
    return db;
}

/* key = val with deadline expire_at, through prepare and commit. */
static void put(struct db *db, const char *key, const char *val, int64_t expire_at)
{
    struct db_put *p = NULL;

    assert_int_equal(db_put_prepare(db, key, strlen(key), val, strlen(val), expire_at >= 0, &p),
                     0);
    db_put_commit(db, p, expire_at);
}

/* The value of key at time now, NULL if missing, in a static buffer. */
static const char *get(struct db *db, const char *key, int64_t now)
{
    static char out[256];
    const struct db_entry *e = db_find(db, key, strlen(key), now);

    if (e == NULL)
        return NULL;
    assert_true(e->vlen < sizeof(out));
    memcpy(out, e->val, e->vlen);
    out[e->vlen] = '\0';
    return out;
}

static int64_t deadline(struct db *db, const char *key, int64_t now)
{
    const struct db_entry *e = db_find(db, key, strlen(key), now);

    assert_non_null(e);
    return e->expire_at;
}

static void test_prepare_commit_abort(void **state)
{
    struct db *db = new_db();
    struct db_put *p = NULL, *q = NULL;
    static const char bin[4] = {'a', '\0', '\r', '\n'};
    const struct db_entry *e;

    (void)state;
    assert_int_equal(db_size(db), 0);
    assert_int_equal(db_put_prepare(db, "k", 1, "v1", 2, false, &p), 0);
    /* Prepared is not visible. */
    assert_null(db_find(db, "k", 1, 0));
    assert_int_equal(db_size(db), 0);
    db_put_abort(p);
    db_put_abort(NULL);
    assert_null(db_find(db, "k", 1, 0));

    assert_int_equal(db_put_prepare(db, "k", 1, "v1", 2, false, &p), 0);
    db_put_commit(db, p, DB_NO_EXPIRE);
    assert_string_equal(get(db, "k", 0), "v1");
    assert_int_equal(db_size(db), 1);

    /* Replacing: a second prepare of the same key, committed over it. */
    assert_int_equal(db_put_prepare(db, "k", 1, "second", 6, false, &p), 0);
    assert_int_equal(db_put_prepare(db, "k", 1, "third", 5, false, &q), 0);
    db_put_commit(db, p, DB_NO_EXPIRE);
    db_put_commit(db, q, DB_NO_EXPIRE);
    assert_string_equal(get(db, "k", 0), "third");
    assert_int_equal(db_size(db), 1);

    /* Binary keys and values, empty ones included. */
    assert_int_equal(db_put_prepare(db, bin, 4, bin, 4, false, &p), 0);
    db_put_commit(db, p, DB_NO_EXPIRE);
    assert_int_equal(db_put_prepare(db, "", 0, "", 0, false, &p), 0);
    db_put_commit(db, p, DB_NO_EXPIRE);
    e = db_find(db, bin, 4, 0);
    assert_non_null(e);
    assert_int_equal(e->klen, 4);
    assert_memory_equal(e->key, bin, 4);
    assert_int_equal(e->vlen, 4);
    assert_memory_equal(e->val, bin, 4);
    assert_null(db_find(db, bin, 3, 0));
    e = db_find(db, "", 0, 0);
    assert_non_null(e);
    assert_int_equal(e->vlen, 0);
    assert_int_equal(db_size(db), 3);

    assert_int_equal(db_delete(db, "k", 1), 1);
    assert_int_equal(db_delete(db, "k", 1), 0);
    assert_int_equal(db_delete(db, "", 0), 1);
    assert_int_equal(db_size(db), 1);
    db_destroy(db);
    db_destroy(NULL);
}

/* REQ: KV-043 */
static void test_keep_ttl(void **state)
{
    struct db *db = new_db();

    (void)state;
    put(db, "a", "1", 5000);
    assert_int_equal(db_expires(db), 1);
    /* KEEPTTL (INCR's path) keeps the deadline. */
    put(db, "a", "2", DB_KEEP_TTL);
    assert_string_equal(get(db, "a", 0), "2");
    assert_int_equal(deadline(db, "a", 0), 5000);
    assert_int_equal(db_expires(db), 1);
    /* A plain SET clears it. */
    put(db, "a", "3", DB_NO_EXPIRE);
    assert_int_equal(deadline(db, "a", 0), DB_NO_EXPIRE);
    assert_int_equal(db_expires(db), 0);
    /* KEEPTTL on a new key: no deadline. */
    put(db, "b", "1", DB_KEEP_TTL);
    assert_int_equal(deadline(db, "b", 0), DB_NO_EXPIRE);
    assert_int_equal(db_expires(db), 0);
    /* A new deadline replaces the old one. */
    put(db, "b", "2", 100);
    put(db, "b", "3", 50);
    assert_int_equal(deadline(db, "b", 0), 50);
    assert_int_equal(db_expires(db), 1);
    db_destroy(db);
}

/* REQ: KV-040 */
/* REQ: KV-041 */
static void test_lazy_expiry(void **state)
{
    struct db *db = new_db();

    (void)state;
    put(db, "k", "v", 1000);
    put(db, "p", "v", DB_NO_EXPIRE);
    /* Not early: alive until the millisecond before its deadline. */
    assert_string_equal(get(db, "k", 999), "v");
    assert_int_equal(db_size(db), 2);
    /* At the deadline it is gone, and reclaimed by the lookup. */
    assert_null(get(db, "k", 1000));
    assert_int_equal(db_size(db), 1);
    assert_int_equal(db_expires(db), 0);
    assert_int_equal(db_delete(db, "k", 1), 0);
    assert_string_equal(get(db, "p", INT64_MAX), "v");

    /* A deadline at 0 (the epoch) is a deadline, not "none". */
    put(db, "z", "v", 0);
    assert_null(get(db, "z", 0));
    db_destroy(db);
}

static void test_set_expire(void **state)
{
    struct db *db = new_db();
    const struct db_entry *e;

    (void)state;
    put(db, "k", "v", DB_NO_EXPIRE);
    e = db_find(db, "k", 1, 0);
    assert_int_equal(db_reserve_expires(db, 1), 0);
    db_set_expire(db, e, 300);
    assert_int_equal(db_expires(db), 1);
    assert_int_equal(deadline(db, "k", 0), 300);
    /* Moving it later and earlier keeps one heap entry. */
    e = db_find(db, "k", 1, 0);
    db_set_expire(db, e, 900);
    e = db_find(db, "k", 1, 0);
    db_set_expire(db, e, 200);
    assert_int_equal(db_expires(db), 1);
    assert_int_equal(db_expire_step(db, 199, 10), 0);
    assert_string_equal(get(db, "k", 199), "v");
    /* PERSIST. */
    e = db_find(db, "k", 1, 0);
    db_set_expire(db, e, DB_NO_EXPIRE);
    assert_int_equal(db_expires(db), 0);
    assert_int_equal(db_expire_step(db, INT64_MAX, 10), 0);
    assert_string_equal(get(db, "k", INT64_MAX), "v");
    db_destroy(db);
}

/* REQ: KV-042 */
static void test_expire_step_order_and_bound(void **state)
{
    struct db *db = new_db();
    char key[16];

    (void)state;
    /* Deadlines 10, 20, ... 100 inserted out of order, plus keys without. */
    for (int i = 0; i < 10; i++) {
        int d = (i * 7) % 10 + 1;

        snprintf(key, sizeof(key), "e%d", d * 10);
        put(db, key, "v", d * 10);
        snprintf(key, sizeof(key), "p%d", i);
        put(db, key, "v", DB_NO_EXPIRE);
    }
    assert_int_equal(db_size(db), 20);
    assert_int_equal(db_expires(db), 10);
    /* Nothing due yet. */
    assert_int_equal(db_expire_step(db, 9, 100), 0);
    /* Due: 10..50; at most 3 per call, earliest first. */
    assert_int_equal(db_expire_step(db, 50, 3), 3);
    assert_int_equal(db_size(db), 17);
    /* Looked at without lazy expiry (time 0): which remain. */
    assert_null(db_find(db, "e10", 3, 0));
    assert_null(db_find(db, "e20", 3, 0));
    assert_null(db_find(db, "e30", 3, 0));
    assert_non_null(db_find(db, "e40", 3, 0));
    assert_int_equal(db_expire_step(db, 50, 3), 2);
    assert_non_null(db_find(db, "e60", 3, 0));
    assert_null(db_find(db, "e50", 3, 0));
    assert_int_equal(db_expire_step(db, 1000, 100), 5);
    assert_int_equal(db_size(db), 10);
    assert_int_equal(db_expires(db), 0);
    db_destroy(db);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random puts, deadline changes and deletes; then active expiry must delete
 * exactly the keys due, in deadline order. */
static void test_heap_random(void **state)
{
    enum { N = 2000 };
    struct db *db = new_db();
    int64_t *dl = calloc(N, sizeof(int64_t)); /* model: -1 none, -3 absent */
    char key[16];
    int64_t t, last;
    size_t due = 0, expect_expires = 0, expect_size = 0;

    (void)state;
    assert_non_null(dl);
    for (int i = 0; i < N; i++)
        dl[i] = -3;
    for (int op = 0; op < 20 * N; op++) {
        int i = (int)(rng() % N), kind = (int)(rng() % 5);
        int64_t when = (int64_t)(rng() % 100000);

        snprintf(key, sizeof(key), "k%d", i);
        if (kind == 0) {
            db_delete(db, key, strlen(key));
            dl[i] = -3;
        } else if (kind == 1 && dl[i] != -3) {
            const struct db_entry *e = db_find(db, key, strlen(key), -1);

            assert_non_null(e);
            assert_int_equal(db_reserve_expires(db, 1), 0);
            if (rng() % 3 == 0)
                when = DB_NO_EXPIRE;
            db_set_expire(db, e, when);
            dl[i] = when;
        } else if (kind == 2) {
            put(db, key, "v", DB_KEEP_TTL);
            if (dl[i] == -3)
                dl[i] = DB_NO_EXPIRE;
        } else {
            if (kind == 3)
                when = DB_NO_EXPIRE;
            put(db, key, "v", when);
            dl[i] = when;
        }
    }
    for (int i = 0; i < N; i++) {
        if (dl[i] != -3)
            expect_size++;
        if (dl[i] >= 0)
            expect_expires++;
        if (dl[i] >= 0 && dl[i] <= 50000)
            due++;
    }
    assert_int_equal(db_size(db), expect_size);
    assert_int_equal(db_expires(db), expect_expires);
    assert_int_equal(db_expire_step(db, 50000, due), due);
    assert_int_equal(db_expire_step(db, 50000, due), 0);
    for (int i = 0; i < N; i++) {
        const struct db_entry *e;

        snprintf(key, sizeof(key), "k%d", i);
        e = db_find(db, key, strlen(key), -1);
        if (dl[i] == -3 || (dl[i] >= 0 && dl[i] <= 50000)) {
            assert_null(e);
        } else {
            assert_non_null(e);
            assert_int_equal(e->expire_at, dl[i]);
        }
    }
    /* The rest come out one by one in deadline order. */
    last = -1;
    for (t = 50001; db_expires(db) > 0; t++) {
        size_t before = db_size(db), n = db_expire_step(db, t, SIZE_MAX);

        assert_int_equal(db_size(db), before - n);
        if (n > 0) {
            assert_true(t > last);
            last = t;
        }
    }
    assert_true(t <= 100001);
    free(dl);
    db_destroy(db);
}

/* Many puts prepared before any commit (MSET): each commit may add a
 * deadline, and none may need memory. */
static void test_many_prepared_then_committed(void **state)
{
    enum { N = 1000 };
    struct db *db = new_db();
    struct db_put **p = calloc(N, sizeof(*p));
    char key[16];

    (void)state;
    assert_non_null(p);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "k%d", i % 700);
        assert_int_equal(db_put_prepare(db, key, strlen(key), "v", 1, true, &p[i]), 0);
    }
    for (int i = 0; i < N; i++)
        db_put_commit(db, p[i], 1000 + i);
    assert_int_equal(db_size(db), 700);
    assert_int_equal(db_expires(db), 700);
    /* The later commit of a key won. */
    assert_int_equal(deadline(db, "k5", 0), 1000 + 705);
    assert_int_equal(deadline(db, "k400", 0), 1000 + 400);
    free(p);
    db_destroy(db);
}

struct seen {
    int count;
    int flags[64];
};

static void note_key(const struct db_entry *e, void *ctx)
{
    struct seen *s = ctx;
    char key[16];
    int i;

    s->count++;
    /* Keys are not NUL-terminated. */
    assert_true(e->klen < sizeof(key));
    memcpy(key, e->key, e->klen);
    key[e->klen] = '\0';
    assert_int_equal(sscanf(key, "k%d", &i), 1);
    assert_true(i >= 0 && i < 64);
    s->flags[i]++;
}

/* REQ: KV-030 */
/* REQ: KV-040 */
static void test_scan_and_each_skip_expired(void **state)
{
    struct db *db = new_db();
    struct seen s;
    uint64_t cursor = 0;
    char key[16];
    int calls = 0;

    (void)state;
    /* Even keys expire at 100, odd ones never. */
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(db, key, "v", i % 2 == 0 ? 100 : DB_NO_EXPIRE);
    }
    memset(&s, 0, sizeof(s));
    do {
        cursor = db_scan(db, cursor, 5, 100, note_key, &s);
        calls++;
    } while (cursor != 0);
    assert_true(calls > 1);
    assert_int_equal(s.count, 20);
    for (int i = 0; i < 40; i++)
        assert_int_equal(s.flags[i], i % 2);
    /* Skipped, not deleted. */
    assert_int_equal(db_size(db), 40);

    /* Before the deadline they are all there. */
    memset(&s, 0, sizeof(s));
    do {
        cursor = db_scan(db, cursor, 1000, 99, note_key, &s);
    } while (cursor != 0);
    assert_int_equal(s.count, 40);

    memset(&s, 0, sizeof(s));
    db_each(db, 100, note_key, &s);
    assert_int_equal(s.count, 20);
    for (int i = 0; i < 40; i++)
        assert_int_equal(s.flags[i], i % 2);
    assert_int_equal(db_size(db), 40);

    /* COUNT 0 still makes progress. */
    memset(&s, 0, sizeof(s));
    calls = 0;
    do {
        cursor = db_scan(db, cursor, 0, 0, note_key, &s);
        assert_true(++calls < 1000);
    } while (cursor != 0);
    assert_int_equal(s.count, 40);
    db_destroy(db);
}

static void test_flush(void **state)
{
    struct db *db = new_db();
    char key[16];

    (void)state;
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(db, key, "v", i % 3 == 0 ? 100 + i : DB_NO_EXPIRE);
    }
    db_flush(db);
    assert_int_equal(db_size(db), 0);
    assert_int_equal(db_expires(db), 0);
    assert_null(db_find(db, "k3", 2, 0));
    assert_int_equal(db_expire_step(db, INT64_MAX, 100), 0);
    /* Usable again. */
    put(db, "k3", "again", 5);
    assert_string_equal(get(db, "k3", 0), "again");
    assert_int_equal(db_expire_step(db, 5, 100), 1);
    db_destroy(db);
}

struct glob_case {
    const char *pat;
    size_t plen;
    const char *str;
    size_t slen;
    int match;
};

/* REQ: KV-029 */
static void test_glob_as_redis(void **state)
{
    /* Each answer is what redis-server 7.0.15 gave for KEYS pat with the one
     * key str, except the first: KEYS * skips matching altogether, while
     * the matcher itself (PSUBSCRIBE *, KEYS **) does not match "" with a
     * star. */
    static const struct glob_case cases[] = {
        {"*", 1, "", 0, 0},
        {"", 0, "", 0, 1},
        {"**", 2, "", 0, 0},
        {"*", 1, "a", 1, 1},
        {"a*", 2, "a", 1, 1},
        {"a*?", 3, "a", 1, 0},
        {"h?llo", 5, "hello", 5, 1},
        {"h?llo", 5, "hllo", 4, 0},
        {"h*llo", 5, "hllo", 4, 1},
        {"h*llo", 5, "heeeello", 8, 1},
        {"h[ae]llo", 8, "hello", 5, 1},
        {"h[ae]llo", 8, "hillo", 5, 0},
        {"h[^e]llo", 8, "hallo", 5, 1},
        {"h[^e]llo", 8, "hello", 5, 0},
        {"h[a-b]llo", 9, "hbllo", 5, 1},
        {"h[a-b]llo", 9, "hcllo", 5, 0},
        {"h[b-a]llo", 9, "hallo", 5, 1},
        {"h\\*llo", 6, "h*llo", 5, 1},
        {"h\\*llo", 6, "hallo", 5, 0},
        {"a\\", 2, "a\\", 2, 1},
        {"[abc", 4, "b", 1, 1},
        {"[abc", 4, "d", 1, 0},
        {"[abc", 4, "[abc", 4, 0},
        {"[", 1, "[", 1, 0},
        {"[^", 2, "x", 1, 1},
        {"[]", 2, "]", 1, 0},
        {"[]]", 3, "]", 1, 0},
        {"[a-]", 4, "b", 1, 0},
        {"[a-]", 4, "-", 1, 0},
        {"[a-]x", 5, "bx", 2, 0},
        {"[a-]x", 5, "b]x", 3, 0},
        {"[\\]]", 4, "]", 1, 1},
        {"[\\-]", 4, "-", 1, 1},
        {"[a\\-z]", 6, "b", 1, 0},
        {"[a\\-z]", 6, "-", 1, 1},
        {"[^a-c]", 6, "d", 1, 1},
        {"[^a-c]", 6, "b", 1, 0},
        {"[[]", 3, "[", 1, 1},
        {"[*]", 3, "*", 1, 1},
        {"[*]", 3, "a", 1, 0},
        {"[?]", 3, "?", 1, 1},
        {"[?]", 3, "a", 1, 0},
        {"\\?", 2, "?", 1, 1},
        {"\\?", 2, "a", 1, 0},
        {"*a", 2, "ba", 2, 1},
        {"*a", 2, "ab", 2, 0},
        {"a*b*c", 5, "aXbYc", 5, 1},
        {"a*b*c", 5, "aXbYd", 5, 0},
        {"*?", 2, "x", 1, 1},
        {"?*", 2, "x", 1, 1},
        {"??", 2, "x", 1, 0},
        {"a\x00*", 3,
         "a\x00"
         "b",
         3, 1},
        {"*\x0d\x0a", 3, "x\x0d\x0a", 3, 1},
        {"[\x80-\xff]", 5, "\x90", 1, 1},
        {"[\x01-\xff]", 5, "\x90", 1, 0},
        {"[\x01-\xff]", 5, "a", 1, 0},
        {"[\x01-\xff]", 5, "\x00", 1, 1},
        {"\xc3\xa9*", 3, "\xc3\xa9t\xc3\xa9", 5, 1},
        {"[a-c-e]", 7, "d", 1, 0},
        {"[a-c-e]", 7, "-", 1, 1},
        {"\\", 1, "\\", 1, 1},
        {"a[", 2, "a", 1, 0},
        {"*[", 2, "a[", 2, 0},
        {"[^]", 3, "]", 1, 1},
        {"[^]]", 4, "a", 1, 0},
        {"[^]]", 4, "]", 1, 0},
        {"x*", 2, "x", 1, 1},
        {"x**y", 4, "xy", 2, 1},
        {"*x*", 3, "x", 1, 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct glob_case *c = &cases[i];

        if (db_glob_match(c->pat, c->plen, c->str, c->slen) != c->match) {
            print_error("case %zu: pattern \"%.*s\" string \"%.*s\": expected %d\n", i,
                        (int)c->plen, c->pat, (int)c->slen, c->str, c->match);
            fail();
        }
    }
}

/* Stars are not tried in every combination: this would take 10000^8 steps
 * with naive backtracking. */
static void test_glob_pathological(void **state)
{
    enum { N = 10000 };
    char *s = malloc(N + 1);
    static const char pat[] = "a*a*a*a*a*a*a*a*b";

    (void)state;
    assert_non_null(s);
    memset(s, 'a', N);
    assert_int_equal(db_glob_match(pat, strlen(pat), s, N), 0);
    s[N] = 'b';
    assert_int_equal(db_glob_match(pat, strlen(pat), s, N + 1), 1);
    assert_int_equal(db_glob_match("*a*a*a*a*a*a*c*", 15, s, N + 1), 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_commit_abort),
        cmocka_unit_test(test_keep_ttl),
        cmocka_unit_test(test_lazy_expiry),
        cmocka_unit_test(test_set_expire),
        cmocka_unit_test(test_expire_step_order_and_bound),
        cmocka_unit_test(test_heap_random),
        cmocka_unit_test(test_many_prepared_then_committed),
        cmocka_unit_test(test_scan_and_each_skip_expired),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_glob_as_redis),
        cmocka_unit_test(test_glob_pathological),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
