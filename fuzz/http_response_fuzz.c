/* libFuzzer harness for http_parse_response() in impl/http/lib/http_parse.c
 * (`make fuzz`), the parser the proxy reads its upstreams with.
 *
 * The first input byte picks the limits, the HEAD flag and a seed for the
 * splits; the rest is what an upstream sent. It checks:
 *   - the result is -2, -1 with an error text, or a head length within the
 *     buffer that ends in LF;
 *   - every span of a parsed response lies inside the head, and no value
 *     holds a CR or LF (the proxy copies them into the client's head);
 *   - the framing is one a proxy can relay without guessing: no body for
 *     1xx, 204, 304 and HEAD; chunked never with Content-Length nor in
 *     HTTP/1.0; a close-delimited body never keeps the connection;
 *   - fed byte by byte and in random pieces (with the right prev_len), the
 *     first answer that is not -2 is the answer for the whole buffer: a
 *     proxy whose framing of a response depends on how TCP split it is a
 *     response-splitting bug. */
#include "http_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static int has_crlf(const struct http_str *s)
{
    return s->n > 0 && (memchr(s->p, '\r', s->n) != NULL || memchr(s->p, '\n', s->n) != NULL);
}

static void check_response(const struct http_response *r, const char *buf, int rc,
                           const struct http_limits *lim, unsigned flags)
{
    size_t n = (size_t)rc;

    CHECK(buf[n - 1] == '\n');
    CHECK(r->error == NULL);
    CHECK(r->status >= 100 && r->status <= 599);
    CHECK(r->minor >= 0 && r->minor <= 9);
    CHECK(inside(&r->reason, buf, n) && !has_crlf(&r->reason));
    CHECK(r->nheaders <= HTTP_MAX_HEADERS && r->nheaders <= lim->max_headers);
    for (unsigned i = 0; i < r->nheaders; i++) {
        const struct http_header *h = &r->headers[i];
        CHECK(h->name.n > 0 && inside(&h->name, buf, n) && inside(&h->value, buf, n));
        CHECK(h->name.n + 1 <= lim->max_field_line);
        CHECK(!has_crlf(&h->name) && !has_crlf(&h->value));
        CHECK(h->value.n == 0 || (h->value.p[0] != ' ' && h->value.p[h->value.n - 1] != ' '));
    }
    CHECK(n <= lim->max_head);
    CHECK(r->keep_alive == 0 || r->keep_alive == 1);
    CHECK(!(r->chunked && r->has_content_length));
    CHECK(!(r->chunked && r->minor == 0));
    if (!r->has_content_length)
        CHECK(r->content_length == 0);
    int bodyless = (flags & HTTP_RESP_TO_HEAD) || r->status < 200 || r->status == 204 ||
                   r->status == 304;
    switch (r->body) {
    case HTTP_BODY_NONE:
        CHECK(bodyless || (r->has_content_length && r->content_length == 0));
        break;
    case HTTP_BODY_LENGTH:
        CHECK(!bodyless && r->has_content_length && r->content_length > 0);
        break;
    case HTTP_BODY_CHUNKED:
        CHECK(!bodyless && r->chunked);
        break;
    case HTTP_BODY_CLOSE:
        CHECK(!bodyless && !r->chunked && !r->has_content_length && !r->keep_alive);
        break;
    default:
        CHECK(0);
    }
}

static int parse_pieces(const char *buf, size_t n, const struct http_limits *lim, unsigned flags,
                        struct http_response *r, uint32_t *seed, int bytewise, size_t *at)
{
    size_t prev = 0, len = 0;
    int rc = -2;

    while (len < n) {
        size_t step = bytewise ? 1 : 1 + rng_next(seed) % 64;
        len = len + step > n ? n : len + step;
        rc = http_parse_response(buf, len, prev, lim, flags, r);
        if (rc != -2)
            break;
        prev = len;
    }
    *at = len;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_response whole, piece;

    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *buf = fuzz_input(data, size, &n, &seed);
    unsigned flags = (ctl & 0x40) ? HTTP_RESP_TO_HEAD : 0;

    struct http_limits lim = {8192, 8192, 65536, 100};
    if (ctl & 0x80) {
        /* Small limits, so that inputs a fuzzer finds reach them. */
        lim.max_request_line = 8 + (ctl & 0x0f) * 4;
        lim.max_field_line = 4 + ((ctl >> 4) & 0x3) * 6;
        lim.max_head = 48 + (ctl & 0x3f) * 5;
        lim.max_headers = 1 + (ctl & 0x7);
    }

    int rc = http_parse_response(buf, n, 0, &lim, flags, &whole);
    CHECK(rc == -2 || rc == -1 || (rc > 0 && (size_t)rc <= n));
    if (rc == -1)
        CHECK(whole.error != NULL);
    if (rc > 0)
        check_response(&whole, buf, rc, &lim, flags);

    for (int mode = 0; mode < 3; mode++) {
        size_t at;
        int pr = parse_pieces(buf, n, &lim, flags, &piece, &seed, mode == 0, &at);
        if (pr == -2) {
            /* Checks on a partial head are amortized: the whole-buffer call
             * may have found an error the last small step did not look for
             * yet, but never a complete head. */
            CHECK(rc == -2 || rc == -1);
            continue;
        }
        if (pr != rc) {
            fprintf(stderr, "pieces (mode %d) -> %d (%s) at len %zu, whole -> %d (%s)\n", mode, pr,
                    pr == -1 ? piece.error : "-", at, rc, rc == -1 ? whole.error : "-");
            abort();
        }
        if (rc > 0) {
            CHECK(piece.status == whole.status && piece.minor == whole.minor);
            CHECK(piece.nheaders == whole.nheaders && piece.body == whole.body);
            CHECK(piece.content_length == whole.content_length);
            CHECK(piece.has_content_length == whole.has_content_length);
            CHECK(piece.chunked == whole.chunked && piece.keep_alive == whole.keep_alive);
            CHECK(piece.reason.p == whole.reason.p && piece.reason.n == whole.reason.n);
        }
    }
    free(buf);
    return 0;
}
