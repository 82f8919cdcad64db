/* libFuzzer harness for http_parse_request() in impl/http/lib/http_parse.c
 * (`make fuzz`).
 *
 * The first input byte picks the limits and a seed for the splits; the rest
 * is the data. For the request parser it checks:
 *   - the result is -2, -1 with a status the contract allows, or a head
 *     length within the buffer that ends in LF;
 *   - every span of a parsed request lies inside the head;
 *   - fed byte by byte and in random pieces (with the right prev_len), the
 *     first answer that is not -2 is the answer for the whole buffer: a
 *     parser that answers differently depending on how TCP split the bytes
 *     is a request-smuggling bug.
 * The chunked body decoder and the percent decoder have harnesses of their
 * own: http_chunked_fuzz.c and query_fuzz.c. */
#include "http_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static void check_request(const struct http_request *r, const char *buf, int rc,
                          const struct http_limits *lim)
{
    size_t n = (size_t)rc;

    CHECK(buf[n - 1] == '\n');
    CHECK(r->status == 0);
    CHECK(r->minor == 0 || r->minor == 1);
    CHECK(r->method_str.n > 0 && inside(&r->method_str, buf, n));
    CHECK(r->target.n > 0 && inside(&r->target, buf, n));
    CHECK(inside(&r->query, buf, n));
    CHECK(inside(&r->path, buf, n) || (r->path.n == 1 && r->path.p[0] == '/'));
    CHECK(inside(&r->host, buf, n));
    CHECK(r->nheaders <= HTTP_MAX_HEADERS && r->nheaders <= lim->max_headers);
    for (unsigned i = 0; i < r->nheaders; i++) {
        const struct http_header *h = &r->headers[i];
        CHECK(h->name.n > 0 && inside(&h->name, buf, n) && inside(&h->value, buf, n));
        CHECK(h->name.n + 1 <= lim->max_field_line);
        CHECK(memchr(h->value.p, '\n', h->value.n) == NULL);
        CHECK(memchr(h->value.p, '\r', h->value.n) == NULL);
        CHECK(h->value.n == 0 || (h->value.p[0] != ' ' && h->value.p[h->value.n - 1] != ' '));
    }
    CHECK(r->target.n <= lim->max_request_line);
    CHECK(r->body == HTTP_BODY_NONE || r->body == HTTP_BODY_LENGTH || r->body == HTTP_BODY_CHUNKED);
    CHECK(r->body == HTTP_BODY_LENGTH ? r->content_length > 0 : r->content_length == 0);
    CHECK(r->method >= HTTP_GET && r->method <= HTTP_OTHER);
    CHECK(r->keep_alive == 0 || r->keep_alive == 1);
    if (r->method != HTTP_OTHER)
        CHECK(r->method_str.n >= 3);
    if (r->minor == 1)
        CHECK(http_find_header(r, "host") != NULL);
    CHECK((size_t)rc <= lim->max_head + 32);
}

static int parse_pieces(const char *buf, size_t n, const struct http_limits *lim,
                        struct http_request *r, uint32_t *seed, int bytewise, size_t *at)
{
    size_t prev = 0, len = 0;
    int rc = -2;

    while (len < n) {
        size_t step = bytewise ? 1 : 1 + rng_next(seed) % 64;
        len = len + step > n ? n : len + step;
        rc = http_parse_request(buf, len, prev, lim, r);
        if (rc != -2)
            break;
        prev = len;
    }
    *at = len;
    return rc;
}

static void fuzz_request(const char *buf, size_t n, const struct http_limits *lim, uint32_t seed)
{
    static struct http_request whole, piece;
    int rc = http_parse_request(buf, n, 0, lim, &whole);

    CHECK(rc == -2 || rc == -1 || (rc > 0 && (size_t)rc <= n));
    if (rc == -1)
        CHECK(whole.status == 400 || whole.status == 414 || whole.status == 431 ||
              whole.status == 501 || whole.status == 505);
    if (rc > 0)
        check_request(&whole, buf, rc, lim);

    for (int mode = 0; mode < 3; mode++) {
        size_t at;
        int pr = parse_pieces(buf, n, lim, &piece, &seed, mode == 0, &at);
        if (pr == -2) {
            /* Checks on a partial head are amortized: the whole-buffer call
             * may have found an error the last small step did not look for
             * yet, but never a complete head. */
            CHECK(rc == -2 || rc == -1);
            continue;
        }
        if (pr != rc) {
            fprintf(stderr, "pieces (mode %d) -> %d (status %d) at len %zu, whole -> %d (status %d)\n",
                    mode, pr, piece.status, at, rc, whole.status);
            abort();
        }
        if (rc == -1)
            CHECK(piece.status == whole.status);
        if (rc > 0) {
            CHECK(piece.method == whole.method && piece.minor == whole.minor);
            CHECK(piece.nheaders == whole.nheaders && piece.body == whole.body);
            CHECK(piece.content_length == whole.content_length);
            CHECK(piece.keep_alive == whole.keep_alive);
            CHECK(piece.path.n == whole.path.n && piece.query.p == whole.query.p);
            CHECK(piece.host.p == whole.host.p && piece.host.n == whole.host.n);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *buf = fuzz_input(data, size, &n, &seed);

    struct http_limits lim = {8192, 8192, 65536, 100};
    if (ctl & 0x80) {
        /* Small limits, so that inputs a fuzzer finds reach them. */
        lim.max_request_line = 8 + (ctl & 0x0f) * 4;
        lim.max_field_line = 4 + ((ctl >> 4) & 0x7) * 6;
        lim.max_head = 48 + (ctl & 0x3f) * 5;
        lim.max_headers = 1 + (ctl & 0x7);
    }

    fuzz_request(buf, n, &lim, seed);
    free(buf);
    return 0;
}
