/* libFuzzer harness for impl/kv/lib/resp.c, the RESP2 request parser
 * (`make fuzz`).
 *
 * The first input byte picks the limits (redis's, or small ones a fuzzer
 * reaches) and a seed for the splits; the rest is a stream of pipelined
 * requests. The stream is parsed whole (one request after another), then
 * fed byte by byte and in random pieces the way a server reads a socket:
 * the bytes not yet consumed are kept in a buffer that moves at every read
 * (a fresh copy, so ASan sees a read past its end and the parser is shown
 * to keep offsets, not pointers), parsed requests are dropped from its
 * front. Every way must yield the same requests, with the same arguments,
 * and the same final outcome; every request is checked against the
 * contract (spans inside it, limits, plain inline arguments free of
 * separators and quotes);
 * and the parser's search work stays linear. */
#include "resp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static const char *const messages[] = {
    "Protocol error: invalid multibulk length",   "Protocol error: invalid bulk length",
    "Protocol error: too big mbulk count string", "Protocol error: too big bulk count string",
    "Protocol error: too big inline request",     "Protocol error: unbalanced quotes in request",
};

/* Folds v into the running hash h (FNV-1a over its bytes). */
static void mix(uint64_t *h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        *h ^= (v >> (8 * i)) & 0xff;
        *h *= 1099511628211ull;
    }
}

/* Checks the request p parsed from buf (rc bytes, at offset start of the
 * stream) and folds it into *h. */
static void check_request(const struct resp_parser *p, const char *buf, ssize_t rc, size_t start,
                          const struct resp_limits *lim, uint64_t *h)
{
    size_t n = (size_t)rc;

    CHECK(p->argc <= lim->max_args);
    mix(h, start);
    mix(h, n);
    mix(h, p->argc);
    mix(h, (uint64_t)p->is_inline);
    if (p->is_inline) {
        CHECK(buf[n - 1] == '\n');
        CHECK(n - 1 <= lim->max_inline);
    } else {
        CHECK(buf[0] == '*');
    }
    for (size_t i = 0; i < p->argc; i++) {
        const struct resp_arg *a = &p->argv[i];
        mix(h, a->off);
        mix(h, a->n);
        for (size_t k = 0; k < a->n; k++)
            mix(h, (uint64_t)(unsigned char)a->p[k]);
        if (p->is_inline && a->off == RESP_OFF_NONE) {
            /* Unquoted by the parser: its own bytes, no longer than the
             * line. */
            CHECK(a->n < n);
        } else if (p->is_inline) {
            CHECK(a->p == buf + a->off && a->off + a->n <= n);
            CHECK(a->n > 0);
            for (size_t k = 0; k < a->n; k++)
                CHECK(memchr(" \t\r\n\"'", a->p[k], 6) == NULL);
        } else {
            CHECK(a->p == buf + a->off && a->off + a->n <= n);
            CHECK(a->n <= lim->max_bulk);
            /* The framing before the data says its length. */
            char want[32];
            int w = snprintf(want, sizeof(want), "%zu", a->n);
            CHECK(a->off >= (size_t)w + 3);
            CHECK(memcmp(a->p - w - 2, want, (size_t)w) == 0 && a->p[-w - 3] == '$');
            CHECK(a->p[-2] == '\r');
        }
    }
}

/* Folds a final outcome (-1 and its message, or -2) into *h. */
static void check_end(const struct resp_parser *p, ssize_t rc, size_t start, uint64_t *h)
{
    CHECK(rc == -1 || rc == -2);
    mix(h, start);
    mix(h, (uint64_t)rc);
    if (rc == -1) {
        int known = strncmp(p->error, "Protocol error: expected '$', got '", 35) == 0;
        for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
            known |= strcmp(p->error, messages[i]) == 0;
        CHECK(known);
        CHECK(strchr(p->error, '\r') == NULL && strchr(p->error, '\n') == NULL);
        for (const char *c = p->error; *c; c++)
            mix(h, (uint64_t)(unsigned char)*c);
    }
}

/* The stream parsed from one buffer. Returns the hash of what came out. */
static uint64_t parse_whole(const char *s, size_t n, const struct resp_limits *lim)
{
    struct resp_parser p;
    uint64_t h = 14695981039346656037ull;
    size_t off = 0;
    ssize_t rc;

    resp_parser_init(&p, lim);
    while ((rc = resp_parse(&p, s + off, n - off)) > 0) {
        CHECK((size_t)rc <= n - off);
        check_request(&p, s + off, rc, off, lim, &h);
        off += (size_t)rc;
    }
    check_end(&p, rc, off, &h);
    resp_parser_free(&p);
    return h;
}

/* The stream fed in pieces (1 byte each, or random sizes), as a server
 * reads it. Returns the hash of what came out. */
static uint64_t parse_pieces(const char *s, size_t n, const struct resp_limits *lim,
                             uint32_t *seed, int bytewise)
{
    struct resp_parser p;
    uint64_t h = 14695981039346656037ull;
    size_t start = 0, end = 0, calls = 0;
    ssize_t rc = -2;

    resp_parser_init(&p, lim);
    while (end < n) {
        size_t step = bytewise ? 1 : 1 + rng_next(seed) % 64;
        end = end + step > n ? n : end + step;
        /* The unconsumed bytes, moved to a new place at every read (while
         * they are few: copying long ones at every byte costs O(n^2)). */
        int fresh = end - start <= 1024;
        char *held = fresh ? malloc(end - start + 1) : (char *)s + start;
        CHECK(held);
        if (fresh)
            memcpy(held, s + start, end - start);
        size_t base = start;
        for (;;) {
            rc = resp_parse(&p, held + (start - base), end - start);
            calls++;
            if (rc <= 0)
                break;
            CHECK((size_t)rc <= end - start);
            check_request(&p, held + (start - base), rc, start, lim, &h);
            start += (size_t)rc;
        }
        if (fresh)
            free(held);
        if (rc == -1)
            break;
    }
    check_end(&p, rc, start, &h);
    /* Each byte searched at most once per request, plus one per call. */
    CHECK(p.scanned <= n + calls);
    resp_parser_free(&p);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *buf = fuzz_input(data, size, &n, &seed);

    struct resp_limits lim = resp_default_limits;
    if (ctl & 0x80) {
        /* Small limits, so that inputs a fuzzer finds reach them. */
        lim.max_bulk = (ctl & 0x0f) * 3;
        lim.max_args = 1 + ((ctl >> 4) & 0x7);
        lim.max_inline = 2 + (ctl & 0x1f);
    }

    uint64_t whole = parse_whole(buf, n, &lim);
    CHECK(parse_pieces(buf, n, &lim, &seed, 1) == whole);
    CHECK(parse_pieces(buf, n, &lim, &seed, 0) == whole);
    free(buf);
    return 0;
}
