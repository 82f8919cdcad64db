/* Unit tests for body relaying (impl/proxy/lib/relay.c): every framing in,
 * every framing out, the high-water bound, truncation, malformed chunks,
 * and the bytes after a body (the next message) left where they were.
 * Inputs are fed whole and a byte at a time: how TCP cuts a body must never
 * change what comes out. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

static char scratch[4096];

/* Runs a relay over input s[0..n), fed step bytes at a time (0: whole),
 * draining dst into *got after each move (so the high-water mark never
 * stops it). eof is signalled after the last byte. Returns the last
 * relay_move() result; *rest is what stayed in src. */
static int run(enum relay_in in, uint64_t length, enum relay_out out, const char *s, size_t n,
               size_t step, struct buf *got, struct buf *rest)
{
    struct relay r;
    struct buf src, dst;
    size_t fed = 0;
    int rc = 0;

    buf_init(&src, 1 << 20);
    buf_init(&dst, 1 << 20);
    relay_init(&r, in, length, out);
    for (;;) {
        size_t k = step == 0 ? n - fed : (n - fed < step ? n - fed : step);
        if (k > 0)
            assert_int_equal(buf_append(&src, s + fed, k), 0);
        fed += k;
        rc = relay_move(&r, &src, fed == n, out == RELAY_OUT_DISCARD ? NULL : &dst, 1 << 19,
                        scratch, sizeof(scratch));
        if (buf_len(&dst) > 0) {
            assert_int_equal(buf_append(got, buf_peek(&dst), buf_len(&dst)), 0);
            buf_consume(&dst, buf_len(&dst));
        }
        if (rc != 0 || fed == n)
            break;
    }
    /* What stayed in src, then what was never fed. */
    if (buf_len(&src) > 0)
        assert_int_equal(buf_append(rest, buf_peek(&src), buf_len(&src)), 0);
    if (fed < n)
        assert_int_equal(buf_append(rest, s + fed, n - fed), 0);
    buf_free(&src);
    buf_free(&dst);
    return rc;
}

/* Checks relaying s gives (rc, out_want, rest_want) whole and in pieces
 * of 1, 2 and 7 bytes. */
static void check(enum relay_in in, uint64_t length, enum relay_out out, const char *s, int rc_want,
                  const char *out_want, const char *rest_want)
{
    static const size_t steps[] = {0, 1, 2, 7};

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct buf got, rest;
        buf_init(&got, 1 << 20);
        buf_init(&rest, 1 << 20);
        int rc = run(in, length, out, s, strlen(s), steps[i], &got, &rest);
        assert_int_equal(rc, rc_want);
        if (rc_want < 0) {
            /* After an error the connection is dropped: what came out
             * before it, and what is left, do not matter. */
            buf_free(&got);
            buf_free(&rest);
            continue;
        }
        assert_int_equal(buf_len(&got), strlen(out_want));
        if (buf_len(&got) > 0)
            assert_memory_equal(buf_peek(&got), out_want, strlen(out_want));
        assert_int_equal(buf_len(&rest), strlen(rest_want));
        if (buf_len(&rest) > 0)
            assert_memory_equal(buf_peek(&rest), rest_want, strlen(rest_want));
        buf_free(&got);
        buf_free(&rest);
    }
}

static void test_length(void **state)
{
    (void)state;
    check(RELAY_IN_LENGTH, 5, RELAY_OUT_RAW, "helloGET / HTTP/1.1\r\n", 1, "hello",
          "GET / HTTP/1.1\r\n");
    check(RELAY_IN_LENGTH, 5, RELAY_OUT_RAW, "hel", -EPIPE, "", "");
    check(RELAY_IN_LENGTH, 0, RELAY_OUT_RAW, "next", 1, "", "next");
    check(RELAY_IN_NONE, 0, RELAY_OUT_RAW, "next", 1, "", "next");
}

/* REQ: PROXY-006, PROXY-016 */
static void test_chunked_reencoded(void **state)
{
    (void)state;
    /* Extensions and trailers are dropped; chunk boundaries may differ
     * but the data and the framing are exact. Whole: one chunk per
     * move. */
    struct buf got, rest;
    const char *in = "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";

    buf_init(&got, 1 << 20);
    buf_init(&rest, 1 << 20);
    assert_int_equal(run(RELAY_IN_CHUNKED, 0, RELAY_OUT_CHUNKED, in, strlen(in), 0, &got, &rest),
                     1);
    const char *want = "5\r\nabcde\r\n0\r\n\r\n";
    assert_int_equal(buf_len(&got), strlen(want));
    assert_memory_equal(buf_peek(&got), want, strlen(want));
    assert_int_equal(buf_len(&rest), 4);
    assert_memory_equal(buf_peek(&rest), "NEXT", 4);
    buf_free(&got);
    buf_free(&rest);

    /* To an HTTP/1.0 client: the data only. */
    check(RELAY_IN_CHUNKED, 0, RELAY_OUT_RAW, in, 1, "abcde", "NEXT");
    /* Discarded: nothing out, the next request still found. */
    check(RELAY_IN_CHUNKED, 0, RELAY_OUT_DISCARD, in, 1, "", "NEXT");
}

/* Fed a byte at a time, each move's data is one chunk: decode the output
 * again and compare the data. */
static void test_chunked_bytewise_decodes_the_same(void **state)
{
    (void)state;
    const char *in = "a\r\n0123456789\r\n1\r\nZ\r\n0\r\n\r\n";
    struct buf got, rest;
    struct http_chunked dec;

    buf_init(&got, 1 << 20);
    buf_init(&rest, 1 << 20);
    assert_int_equal(run(RELAY_IN_CHUNKED, 0, RELAY_OUT_CHUNKED, in, strlen(in), 1, &got, &rest),
                     1);
    assert_int_equal(buf_len(&rest), 0);
    char *copy = malloc(buf_len(&got));
    assert_non_null(copy);
    memcpy(copy, buf_peek(&got), buf_len(&got));
    size_t n = buf_len(&got);
    http_chunked_init(&dec);
    assert_int_equal(http_chunked_decode(&dec, copy, &n), 0);
    assert_int_equal(n, 11);
    assert_memory_equal(copy, "0123456789Z", 11);
    free(copy);
    buf_free(&got);
    buf_free(&rest);
}

static void test_chunked_errors(void **state)
{
    (void)state;
    check(RELAY_IN_CHUNKED, 0, RELAY_OUT_CHUNKED, "zz\r\n", -EPROTO, "", "");
    check(RELAY_IN_CHUNKED, 0, RELAY_OUT_RAW, "3\r\nabcX", -EPROTO, "", "");
    /* Truncated: the connection ended inside the body. */
    check(RELAY_IN_CHUNKED, 0, RELAY_OUT_RAW, "3\r\nab", -EPIPE, "", "");
    check(RELAY_IN_CHUNKED, 0, RELAY_OUT_CHUNKED, "3\r\nabc\r\n", -EPIPE, "", "");
}

static void test_close_delimited(void **state)
{
    (void)state;
    /* Until the end of the connection; to a 1.1 client it becomes chunked,
     * ending with the last chunk once the upstream closed. */
    check(RELAY_IN_CLOSE, 0, RELAY_OUT_RAW, "all of it", 1, "all of it", "");
    struct buf got, rest;
    buf_init(&got, 1 << 20);
    buf_init(&rest, 1 << 20);
    assert_int_equal(run(RELAY_IN_CLOSE, 0, RELAY_OUT_CHUNKED, "abc", 3, 0, &got, &rest), 1);
    assert_int_equal(buf_len(&got), strlen("3\r\nabc\r\n0\r\n\r\n"));
    assert_memory_equal(buf_peek(&got), "3\r\nabc\r\n0\r\n\r\n", buf_len(&got));
    buf_free(&got);
    buf_free(&rest);
}

/* The output never grows past the high-water mark (plus one last chunk):
 * this is what keeps a 1 GiB body from costing 1 GiB. */
/* REQ: PROXY-022 */
static void test_high_water(void **state)
{
    (void)state;
    static const enum relay_out outs[] = {RELAY_OUT_RAW, RELAY_OUT_CHUNKED};
    struct buf src, dst;
    struct relay r;
    char block[1000];

    memset(block, 'x', sizeof(block));
    for (size_t o = 0; o < 2; o++) {
        buf_init(&src, 1 << 20);
        buf_init(&dst, 1 << 20);
        relay_init(&r, RELAY_IN_LENGTH, 100000, outs[o]);
        for (int i = 0; i < 100; i++)
            assert_int_equal(buf_append(&src, block, sizeof(block)), 0);
        uint64_t total = 0;
        int rc = 0, rounds = 0;
        while (rc == 0) {
            rc = relay_move(&r, &src, 1, &dst, 4096, scratch, sizeof(scratch));
            assert_true(rc >= 0);
            assert_true(buf_len(&dst) <= 4096);
            /* A full output stops the relay until it drains. */
            if (rc == 0)
                assert_int_equal(relay_move(&r, &src, 1, &dst, 4096, scratch, sizeof(scratch)), 0);
            total += buf_len(&dst);
            buf_consume(&dst, buf_len(&dst));
            rounds++;
        }
        assert_int_equal(r.moved, 100000);
        assert_true(rounds > 20);
        if (outs[o] == RELAY_OUT_RAW)
            assert_int_equal(total, 100000);
        buf_free(&src);
        buf_free(&dst);
    }
}

static void test_output_full_is_an_error(void **state)
{
    (void)state;
    struct buf src, dst;
    struct relay r;

    /* A dst whose max is below the high-water mark: buf_append refuses. */
    buf_init(&src, 1 << 20);
    buf_init(&dst, 10);
    relay_init(&r, RELAY_IN_LENGTH, 20, RELAY_OUT_RAW);
    assert_int_equal(buf_append(&src, "01234567890123456789", 20), 0);
    assert_int_equal(relay_move(&r, &src, 0, &dst, 100, scratch, sizeof(scratch)), -ENOBUFS);
    buf_free(&src);
    buf_free(&dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_chunked_reencoded),
        cmocka_unit_test(test_chunked_bytewise_decodes_the_same),
        cmocka_unit_test(test_chunked_errors),
        cmocka_unit_test(test_close_delimited),
        cmocka_unit_test(test_high_water),
        cmocka_unit_test(test_output_full_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
