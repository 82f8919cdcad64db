/* libFuzzer harness for impl/http/lib/http_parse.c (`make fuzz`).
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
 * For the chunked decoder: whole and in random pieces agree on the decoded
 * bytes, the outcome and what follows the body. For the percent decoder:
 * agreement with a plain reference decoder. */
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

/* Decodes src as a chunked body, fed in pieces the way a server gets it.
 * Returns the outcome (-2, -1, or the offset in src where the body ended)
 * and the decoded bytes in out. */
static long chunked_pieces(const char *src, size_t n, char *out, size_t *outn, uint32_t *seed,
                           int whole)
{
    struct http_chunked c;
    char piece[256];
    size_t r = 0;

    http_chunked_init(&c);
    *outn = 0;
    while (r < n) {
        size_t k = whole ? n - r : 1 + rng_next(seed) % sizeof(piece);
        if (k > n - r)
            k = n - r;
        char *p = whole ? out + *outn : piece;
        memmove(p, src + r, k);
        size_t len = k;
        ssize_t rc = http_chunked_decode(&c, p, &len);
        CHECK(len <= k);
        if (!whole)
            memcpy(out + *outn, p, len);
        *outn += len;
        CHECK(c.total == *outn);
        if (rc == -1)
            return -1;
        if (rc >= 0) {
            CHECK((size_t)rc <= k - len);
            /* What follows the body is moved right after the data. */
            CHECK(memcmp(p + len, src + r + k - (size_t)rc, (size_t)rc) == 0);
            return (long)(r + k - (size_t)rc);
        }
        r += k;
    }
    return -2;
}

static void fuzz_chunked(const char *buf, size_t n, uint32_t seed)
{
    char *a = malloc(n + 1), *b = malloc(n + 1);
    size_t an, bn;

    CHECK(a && b);
    long ra = chunked_pieces(buf, n, a, &an, &seed, 1);
    long rb = chunked_pieces(buf, n, b, &bn, &seed, 0);
    CHECK(ra == rb);
    if (ra != -1)
        CHECK(an == bn && memcmp(a, b, an) == 0);
    free(a);
    free(b);
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void fuzz_percent(const char *buf, size_t n, int flags)
{
    char *out = malloc(n + 1), *ref = malloc(n + 1);
    int plus = flags & 1, nul = (flags >> 1) & 1;
    ssize_t want = 0;

    CHECK(out && ref);
    for (size_t i = 0; i < n && want >= 0; i++) {
        char c = buf[i];
        if (c == '%') {
            if (n - i < 3 || hexv(buf[i + 1]) < 0 || hexv(buf[i + 2]) < 0) {
                want = -1;
                break;
            }
            c = (char)(hexv(buf[i + 1]) * 16 + hexv(buf[i + 2]));
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0 && !nul) {
            want = -1;
            break;
        }
        ref[want++] = c;
    }
    ssize_t got = http_percent_decode(buf, n, out, plus, nul);
    CHECK(got == want);
    if (got > 0)
        CHECK(memcmp(out, ref, (size_t)got) == 0);
    /* In place gives the same. */
    memcpy(out, buf, n);
    CHECK(http_percent_decode(out, n, out, plus, nul) == want);
    if (want > 0)
        CHECK(memcmp(out, ref, (size_t)want) == 0);
    free(out);
    free(ref);
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

    switch ((ctl >> 5) & 3) {
    case 0:
    case 1:
        fuzz_request(buf, n, &lim, seed);
        break;
    case 2: {
        /* A head, then its body: decode the body when it is chunked. */
        struct http_request r;
        int rc = http_parse_request(buf, n, 0, &lim, &r);
        if (rc > 0 && r.body == HTTP_BODY_CHUNKED)
            fuzz_chunked(buf + rc, n - (size_t)rc, seed);
        else
            fuzz_chunked(buf, n, seed);
        break;
    }
    default:
        fuzz_percent(buf, n, ctl & 3);
        break;
    }
    free(buf);
    return 0;
}
