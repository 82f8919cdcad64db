/* Unit tests for buf: the bound, growth, lazy compaction, reserve/commit. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void test_empty(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 100);
    assert_int_equal(buf_len(&b), 0);
    assert_null(buf_peek(&b));
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_int_equal(buf_len(&b), 0);
    buf_free(&b);
    assert_int_equal(b.max, 100);
}

static void test_append_peek_consume(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 64);
    assert_int_equal(buf_append(&b, "hello ", 6), 0);
    assert_int_equal(buf_append(&b, "world", 5), 0);
    assert_int_equal(buf_len(&b), 11);
    assert_memory_equal(buf_peek(&b), "hello world", 11);

    buf_consume(&b, 6);
    assert_int_equal(buf_len(&b), 5);
    assert_memory_equal(buf_peek(&b), "world", 5);
    /* Consuming only moves the offset. */
    assert_int_equal(b.off, 6);

    buf_consume(&b, 100);
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(b.off, 0);
    buf_free(&b);
}

static void test_bound_is_exact(void **state)
{
    struct buf b;
    char data[10] = "0123456789";

    (void)state;
    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, data, 7), 0);
    /* 7 + 4 > 10: refused whole, nothing half-appended. */
    assert_int_equal(buf_append(&b, data, 4), -ENOBUFS);
    assert_int_equal(buf_len(&b), 7);
    assert_memory_equal(buf_peek(&b), "0123456", 7);
    assert_int_equal(buf_append(&b, data, 3), 0);
    assert_int_equal(buf_len(&b), 10);
    assert_int_equal(buf_append(&b, data, 1), -ENOBUFS);
    assert_true(b.cap <= 10);
    buf_free(&b);

    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, data, 1), -ENOBUFS);
    buf_free(&b);
}

static void test_growth_doubles_up_to_max(void **state)
{
    struct buf b;
    char *block = calloc(1, 6000);

    (void)state;
    assert_non_null(block);
    buf_init(&b, 6000);
    assert_int_equal(buf_append(&b, block, 1), 0);
    assert_int_equal(b.cap, 1024);
    assert_int_equal(buf_append(&b, block, 1024), 0);
    assert_int_equal(b.cap, 2048);
    assert_int_equal(buf_append(&b, block, 2048), 0);
    assert_int_equal(b.cap, 4096);
    /* Doubling would pass the maximum: the capacity stops at it. */
    assert_int_equal(buf_append(&b, block, 2000), 0);
    assert_int_equal(b.cap, 6000);
    assert_int_equal(buf_len(&b), 5073);
    buf_free(&b);
    free(block);
}

static void test_lazy_compaction(void **state)
{
    struct buf b;
    char data[16];

    (void)state;
    for (int i = 0; i < 16; i++)
        data[i] = (char)('a' + i);
    buf_init(&b, 16);
    assert_int_equal(buf_append(&b, data, 16), 0);
    buf_consume(&b, 10);
    assert_int_equal(b.off, 10);
    /* There is room in front only: the live bytes move back to make it. */
    assert_int_equal(buf_append(&b, "XYZ", 3), 0);
    assert_int_equal(b.off, 0);
    assert_int_equal(buf_len(&b), 9);
    assert_memory_equal(buf_peek(&b), "klmnopXYZ", 9);
    assert_int_equal(b.cap, 16);
    buf_free(&b);
}

static void test_reserve_commit(void **state)
{
    struct buf b;
    size_t avail = 0;
    char *tail = NULL;

    (void)state;
    buf_init(&b, 100);
    assert_int_equal(buf_reserve(&b, 10, &tail, &avail), 0);
    assert_non_null(tail);
    assert_true(avail >= 10);
    assert_true(avail <= 100);
    memcpy(tail, "abcdefghij", 10);
    buf_commit(&b, 4);
    assert_int_equal(buf_len(&b), 4);
    assert_memory_equal(buf_peek(&b), "abcd", 4);

    /* The tail starts right after the live bytes, and never offers more
     * than the bound leaves. */
    assert_int_equal(buf_reserve(&b, 96, &tail, &avail), 0);
    assert_ptr_equal(tail, buf_peek(&b) + 4);
    assert_int_equal(avail, 96);
    assert_int_equal(buf_reserve(&b, 97, &tail, &avail), -ENOBUFS);
    assert_int_equal(buf_len(&b), 4);
    buf_free(&b);
}

static void test_free_keeps_buffer_usable(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "12345678", 8), 0);
    buf_free(&b);
    assert_int_equal(buf_len(&b), 0);
    assert_null(b.data);
    assert_int_equal(buf_append(&b, "123456789", 9), -ENOBUFS);
    assert_int_equal(buf_append(&b, "abc", 3), 0);
    assert_memory_equal(buf_peek(&b), "abc", 3);
    buf_free(&b);
}

/* Random appends, reserves and consumes checked against a plain array that
 * holds what the buffer should contain. */
static void test_matches_model(void **state)
{
    enum { MAX = 3000, ROUNDS = 20000 };
    static char model[MAX];
    size_t model_len = 0;
    unsigned seed = 12345;
    unsigned char next = 0;
    struct buf b;

    (void)state;
    buf_init(&b, MAX);
    for (int r = 0; r < ROUNDS; r++) {
        int op = rand_r(&seed) % 3;
        size_t n = (size_t)rand_r(&seed) % 700;

        if (op == 0) {
            char chunk[700];
            for (size_t i = 0; i < n; i++)
                chunk[i] = (char)next++;
            if (model_len + n > MAX) {
                assert_int_equal(buf_append(&b, chunk, n), -ENOBUFS);
                next = (unsigned char)(next - n);
            } else {
                assert_int_equal(buf_append(&b, chunk, n), 0);
                memcpy(model + model_len, chunk, n);
                model_len += n;
            }
        } else if (op == 1) {
            char *tail;
            size_t avail;
            if (model_len + n > MAX) {
                assert_int_equal(buf_reserve(&b, n, &tail, &avail), -ENOBUFS);
                continue;
            }
            assert_int_equal(buf_reserve(&b, n, &tail, &avail), 0);
            assert_true(avail >= n && model_len + avail <= MAX);
            for (size_t i = 0; i < n; i++)
                tail[i] = model[model_len + i] = (char)next++;
            buf_commit(&b, n);
            model_len += n;
        } else {
            if (n > model_len)
                n = model_len;
            buf_consume(&b, n);
            memmove(model, model + n, model_len - n);
            model_len -= n;
        }
        assert_int_equal(buf_len(&b), model_len);
        assert_true(b.cap <= MAX);
        if (model_len > 0)
            assert_memory_equal(buf_peek(&b), model, model_len);
    }
    buf_free(&b);
}

/* Truncating keeps the front and drops the tail; past the length it is a
 * no-op; to zero it frees the whole storage for reuse. */
static void test_truncate(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 64);
    buf_truncate(&b, 0); /* no storage yet: nothing to do */
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(buf_append(&b, "xxhello world", 13), 0);
    buf_consume(&b, 2);
    buf_truncate(&b, 5);
    assert_int_equal(buf_len(&b), 5);
    assert_memory_equal(buf_peek(&b), "hello", 5);
    buf_truncate(&b, 50);
    assert_int_equal(buf_len(&b), 5);
    /* What is appended next follows the kept bytes. */
    assert_int_equal(buf_append(&b, "!", 1), 0);
    assert_memory_equal(buf_peek(&b), "hello!", 6);
    buf_truncate(&b, 0);
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(b.off, 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_append_peek_consume),
        cmocka_unit_test(test_bound_is_exact),
        cmocka_unit_test(test_growth_doubles_up_to_max),
        cmocka_unit_test(test_lazy_compaction),
        cmocka_unit_test(test_reserve_commit),
        cmocka_unit_test(test_free_keeps_buffer_usable),
        cmocka_unit_test(test_matches_model),
        cmocka_unit_test(test_truncate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
