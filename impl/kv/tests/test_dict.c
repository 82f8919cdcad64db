/* Unit tests for the hash table: SipHash against known values, insert /
 * find / replace / remove, growing and shrinking with a resize in progress,
 * and the scan guarantee (every key present throughout an iteration is
 * returned) while keys come and go between steps. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

static const uint8_t seed_a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t seed_b[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

struct tnode {
    struct dict_node n;
    char key[24];
    int id;
    int visits;
    int present; /* 1 while in the dict */
};

static void tnode_set(struct tnode *t, int id)
{
    int len = snprintf(t->key, sizeof(t->key), "key:%d", id);

    t->n.key = t->key;
    t->n.klen = (size_t)len;
    t->id = id;
    t->visits = 0;
    t->present = 0;
}

static struct tnode *tnode_of(struct dict_node *n)
{
    return (struct tnode *)((char *)n - offsetof(struct tnode, n));
}

static size_t size_of(const struct dict_table *t)
{
    return t->bucket != NULL ? t->mask + 1 : 0;
}

/* Every present node is found, every absent one is not. */
static void check_all(struct dict *d, struct tnode *nodes, int count)
{
    size_t present = 0;

    for (int i = 0; i < count; i++) {
        struct dict_node *n = dict_find(d, nodes[i].key, nodes[i].n.klen);

        if (nodes[i].present) {
            assert_ptr_equal(n, &nodes[i].n);
            present++;
        } else {
            assert_null(n);
        }
    }
    assert_int_equal(dict_size(d), present);
}

static void test_siphash_vectors(void **state)
{
    uint8_t key[16], msg[15];
    static const uint8_t zero[16];

    (void)state;
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    /* The paper's appendix: SipHash-2-4, key 00..0f, message 00..0e. */
    assert_true(dict_siphash(key, msg, 15, 2, 4) == UINT64_C(0xa129ca6149be45e5));
    /* SipHash-1-3 with the all-zero key, as CPython 3.11 computes hash(bytes)
     * with PYTHONHASHSEED=0. */
    assert_true(dict_siphash(zero, "a", 1, 1, 3) == UINT64_C(4644417185603328019));
    assert_true(dict_siphash(zero, "abcdefg", 7, 1, 3) == UINT64_C(7904145750247929094));
    assert_true(dict_siphash(zero, "abcdefgh", 8, 1, 3) == UINT64_C(4574395652268504554));
    assert_true(dict_siphash(zero, "hello world, siphash", 20, 1, 3) ==
                UINT64_C(10848750596734098677));
    assert_true(dict_siphash(zero, msg, 15, 1, 3) == UINT64_C(17514137373579004394));
}

static void test_seeds_differ(void **state)
{
    struct dict a, b;
    int differ = 0;

    (void)state;
    assert_int_equal(dict_init(&a, seed_a), 0);
    assert_int_equal(dict_init(&b, seed_b), 0);
    for (int i = 0; i < 64; i++) {
        char k[16];
        int len = snprintf(k, sizeof(k), "k%d", i);

        if (dict_hash(&a, k, (size_t)len) != dict_hash(&b, k, (size_t)len))
            differ++;
        assert_true(dict_hash(&a, k, (size_t)len) == dict_hash(&a, k, (size_t)len));
    }
    assert_int_equal(differ, 64);
    dict_free(&a, NULL, NULL);
    dict_free(&b, NULL, NULL);
}

static void test_insert_find_remove(void **state)
{
    struct dict d;
    struct tnode t[3], again;
    static const char bin[3] = {'\0', '\r', '\n'};

    (void)state;
    assert_int_equal(dict_init(&d, seed_a), 0);
    assert_null(dict_find(&d, "x", 1));
    tnode_set(&t[0], 0);
    tnode_set(&t[1], 1);
    /* The empty key and a key with NUL and CRLF are keys like any other. */
    t[2].n.key = "";
    t[2].n.klen = 0;
    dict_insert(&d, &t[0].n);
    dict_insert(&d, &t[1].n);
    dict_insert(&d, &t[2].n);
    assert_int_equal(dict_size(&d), 3);
    assert_ptr_equal(dict_find(&d, "key:0", 5), &t[0].n);
    assert_ptr_equal(dict_find(&d, "", 0), &t[2].n);
    assert_null(dict_find(&d, "key:", 4));
    assert_null(dict_find(&d, bin, 3));

    /* Replacing hands back the old node and keeps the count. */
    tnode_set(&again, 1);
    assert_ptr_equal(dict_replace(&d, &again.n), &t[1].n);
    assert_ptr_equal(dict_find(&d, "key:1", 5), &again.n);
    assert_int_equal(dict_size(&d), 3);
    t[1].n.key = bin;
    t[1].n.klen = 3;
    assert_null(dict_replace(&d, &t[1].n));
    assert_ptr_equal(dict_find(&d, bin, 3), &t[1].n);
    assert_int_equal(dict_size(&d), 4);

    assert_ptr_equal(dict_remove(&d, "key:0", 5), &t[0].n);
    assert_null(dict_remove(&d, "key:0", 5));
    assert_null(dict_find(&d, "key:0", 5));
    assert_ptr_equal(dict_remove(&d, "", 0), &t[2].n);
    assert_int_equal(dict_size(&d), 2);
    dict_free(&d, NULL, NULL);
}

static void test_grow_and_shrink_incrementally(void **state)
{
    enum { N = 5000 };
    struct dict d;
    struct tnode *t = calloc(N, sizeof(*t));
    int saw_grow_rehash = 0, saw_shrink_rehash = 0;

    (void)state;
    assert_non_null(t);
    assert_int_equal(dict_init(&d, seed_a), 0);
    assert_int_equal(size_of(&d.t[0]), DICT_MIN_SIZE);
    for (int i = 0; i < N; i++) {
        tnode_set(&t[i], i);
        dict_insert(&d, &t[i].n);
        t[i].present = 1;
        if (dict_is_rehashing(&d)) {
            /* Growing: the new table is twice the old, both powers of two. */
            assert_int_equal(size_of(&d.t[1]), 2 * size_of(&d.t[0]));
            saw_grow_rehash++;
        }
        if (i % 97 == 0 || (dict_is_rehashing(&d) && i % 7 == 0))
            check_all(&d, t, i + 1);
        /* Load factor: never more than about one key per bucket once a
         * resize has finished. */
        if (!dict_is_rehashing(&d))
            assert_true(d.t[0].used <= size_of(&d.t[0]));
    }
    assert_true(saw_grow_rehash > 0);
    check_all(&d, t, N);
    while (dict_is_rehashing(&d))
        dict_rehash(&d, 1);
    assert_int_equal(size_of(&d.t[0]), 8192);

    for (int i = 0; i < N; i++) {
        assert_ptr_equal(dict_remove(&d, t[i].key, t[i].n.klen), &t[i].n);
        t[i].present = 0;
        if (dict_is_rehashing(&d) && size_of(&d.t[1]) < size_of(&d.t[0])) {
            saw_shrink_rehash++;
            if (saw_shrink_rehash % 50 == 1)
                check_all(&d, t, N);
        }
        if (!dict_is_rehashing(&d))
            assert_true(size_of(&d.t[0]) >= DICT_MIN_SIZE);
    }
    assert_true(saw_shrink_rehash > 0);
    assert_int_equal(dict_size(&d), 0);
    while (dict_is_rehashing(&d))
        dict_rehash(&d, 1);
    assert_true(size_of(&d.t[0]) <= 8);
    check_all(&d, t, N);
    dict_free(&d, NULL, NULL);
    free(t);
}

static void count_visit(struct dict_node *n, void *ctx)
{
    (void)ctx;
    tnode_of(n)->visits++;
}

/* A full scan of a quiet table returns each key once. */
static void test_scan_quiet(void **state)
{
    enum { N = 1000 };
    struct dict d;
    struct tnode *t = calloc(N, sizeof(*t));
    uint64_t cursor = 0;
    size_t steps = 0;

    (void)state;
    assert_non_null(t);
    assert_int_equal(dict_init(&d, seed_b), 0);
    assert_int_equal(dict_scan(&d, 0, count_visit, NULL), 0); /* empty */
    for (int i = 0; i < N; i++) {
        tnode_set(&t[i], i);
        dict_insert(&d, &t[i].n);
    }
    while (dict_is_rehashing(&d))
        dict_rehash(&d, 1);
    do {
        cursor = dict_scan(&d, cursor, count_visit, NULL);
        steps++;
    } while (cursor != 0);
    assert_int_equal(steps, size_of(&d.t[0]));
    for (int i = 0; i < N; i++)
        assert_int_equal(t[i].visits, 1);
    dict_free(&d, NULL, NULL);
    free(t);
}

/* Deterministic pseudo-random numbers (xorshift), so a failure repeats. */
static uint64_t rng_state = 88172645463325252u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Runs a scan while phase() adds and removes keys between its steps;
 * checks that every key present for the whole scan was visited. */
static void scan_while_changing(int start_keys, int phase_kind)
{
    enum { N = 20000 };
    struct dict d;
    struct tnode *t = calloc(N, sizeof(*t));
    int *always = calloc(N, sizeof(int));
    uint64_t cursor = 0;
    int next = 0, rounds = 0;

    assert_non_null(t);
    assert_non_null(always);
    assert_int_equal(dict_init(&d, seed_a), 0);
    for (next = 0; next < start_keys; next++) {
        tnode_set(&t[next], next);
        dict_insert(&d, &t[next].n);
        t[next].present = 1;
        always[next] = 1;
    }
    do {
        cursor = dict_scan(&d, cursor, count_visit, NULL);
        rounds++;
        /* Change the table between steps: phase 0 grows it, phase 1
         * shrinks it, phase 2 does both at random. */
        for (int k = 0; k < 8; k++) {
            int grow = phase_kind == 0 ? 1 : phase_kind == 1 ? 0 : (int)(rng() % 2);

            if (grow && next < N) {
                tnode_set(&t[next], next);
                dict_insert(&d, &t[next].n);
                t[next].present = 1;
                next++;
            } else if (!grow) {
                int victim = (int)(rng() % (uint64_t)(next > 0 ? next : 1));

                if (next > 0 && t[victim].present) {
                    assert_ptr_equal(dict_remove(&d, t[victim].key, t[victim].n.klen),
                                     &t[victim].n);
                    t[victim].present = 0;
                    always[victim] = 0;
                }
            }
        }
        assert_true(rounds < 10 * N); /* the iteration ends */
    } while (cursor != 0);
    for (int i = 0; i < N; i++) {
        if (always[i] && t[i].present)
            assert_true(t[i].visits >= 1);
    }
    check_all(&d, t, next);
    dict_free(&d, NULL, NULL);
    free(always);
    free(t);
}

/* REQ: KV-030 */
static void test_scan_complete_while_growing(void **state)
{
    (void)state;
    scan_while_changing(500, 0);
}

/* REQ: KV-030 */
static void test_scan_complete_while_shrinking(void **state)
{
    (void)state;
    scan_while_changing(15000, 1);
}

/* REQ: KV-030 */
static void test_scan_complete_while_churning(void **state)
{
    (void)state;
    for (int start = 0; start < 3000; start += 700)
        scan_while_changing(start, 2);
}

/* A scan started during a resize, with the resize finishing and another
 * starting midway, in both directions. */
static void test_scan_across_resizes(void **state)
{
    enum { N = 4096 };
    struct dict d;
    struct tnode *t = calloc(N, sizeof(*t));

    (void)state;
    assert_non_null(t);
    for (int trial = 0; trial < 40; trial++) {
        uint64_t cursor = 0;
        int live = 64 + trial * 50, step = 0;

        assert_int_equal(dict_init(&d, trial % 2 ? seed_a : seed_b), 0);
        for (int i = 0; i < N; i++) {
            tnode_set(&t[i], i);
            if (i < live) {
                dict_insert(&d, &t[i].n);
                t[i].present = 1;
            }
        }
        do {
            cursor = dict_scan(&d, cursor, count_visit, NULL);
            /* Every few steps, swing the size: insert many keys that are
             * removed again later, forcing grow then shrink. */
            if (++step % 5 == 0) {
                for (int i = live; i < N; i++) {
                    if (t[i].present) {
                        dict_remove(&d, t[i].key, t[i].n.klen);
                        t[i].present = 0;
                    } else if ((step / 5) % 2 == 1) {
                        dict_insert(&d, &t[i].n);
                        t[i].present = 1;
                    }
                }
            }
        } while (cursor != 0);
        for (int i = 0; i < live; i++)
            assert_true(t[i].visits >= 1);
        dict_free(&d, NULL, NULL);
    }
    free(t);
}

static void free_count(struct dict_node *n, void *ctx)
{
    (void)n;
    (*(int *)ctx)++;
}

static void test_clear_and_each(void **state)
{
    enum { N = 300 };
    struct dict d;
    struct tnode *t = calloc(N, sizeof(*t));
    int freed = 0;

    (void)state;
    assert_non_null(t);
    assert_int_equal(dict_init(&d, seed_a), 0);
    for (int i = 0; i < N; i++) {
        tnode_set(&t[i], i);
        dict_insert(&d, &t[i].n);
    }
    assert_true(dict_is_rehashing(&d) || size_of(&d.t[0]) >= N);
    dict_each(&d, count_visit, NULL);
    for (int i = 0; i < N; i++)
        assert_int_equal(t[i].visits, 1);
    dict_clear(&d, free_count, &freed);
    assert_int_equal(freed, N);
    assert_int_equal(dict_size(&d), 0);
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(size_of(&d.t[0]), DICT_MIN_SIZE);
    assert_null(dict_find(&d, t[0].key, t[0].n.klen));
    /* Usable again. */
    dict_insert(&d, &t[5].n);
    assert_ptr_equal(dict_find(&d, t[5].key, t[5].n.klen), &t[5].n);
    freed = 0;
    dict_free(&d, free_count, &freed);
    assert_int_equal(freed, 1);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_seeds_differ),
        cmocka_unit_test(test_insert_find_remove),
        cmocka_unit_test(test_grow_and_shrink_incrementally),
        cmocka_unit_test(test_scan_quiet),
        cmocka_unit_test(test_scan_complete_while_growing),
        cmocka_unit_test(test_scan_complete_while_shrinking),
        cmocka_unit_test(test_scan_complete_while_churning),
        cmocka_unit_test(test_scan_across_resizes),
        cmocka_unit_test(test_clear_and_each),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
