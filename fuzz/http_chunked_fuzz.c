/* libFuzzer harness for http_chunked_decode() in impl/http/lib/http_parse.c
 * (`make fuzz`), the decoder of chunked request bodies.
 *
 * The first input byte picks the mode and a seed for the splits; the rest
 * is the data. Two modes:
 *
 *   - arbitrary bytes (ctl bit 7 clear): decoded whole, byte by byte and in
 *     random pieces, the outcome, the decoded bytes and the bytes after the
 *     body must be the same (a body whose end depends on how TCP split it
 *     is a request-smuggling bug), and the same as a plain reference
 *     decoder below, written from RFC 9112 §7.1 on the whole buffer. The
 *     decoder never writes more than it read: data + what follows <= input.
 *   - round trip (ctl bit 7 set): the data is cut into chunks of random
 *     sizes, with random extensions and trailer fields and a mix of CRLF
 *     and bare LF, followed by a few bytes of "next request"; decoding that,
 *     in random pieces, must give back exactly the data and the bytes that
 *     followed. */
#include "http_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

/* What the reference decoder also enforces (http_parse.c's limits). */
#define LINE_MAX_BYTES 4096

/* Decodes src in pieces (whole: one call with everything), the way a
 * server reads a socket. Returns the outcome (-2, -1, or the offset in src
 * where the body ended) and the decoded bytes in out (n bytes of room). */
static long chunked_pieces(const char *src, size_t n, char *out, size_t *outn, uint32_t *seed,
                           int mode)
{
    struct http_chunked c;
    char piece[256];
    size_t r = 0;

    http_chunked_init(&c);
    *outn = 0;
    while (r < n) {
        size_t k = mode == 0 ? n - r : mode == 1 ? 1 : 1 + rng_next(seed) % sizeof(piece);
        if (k > n - r)
            k = n - r;
        /* Each piece in a fresh exact-size buffer, so ASan sees a read or
         * write past its end. */
        char *p = malloc(k);
        CHECK(p);
        memcpy(p, src + r, k);
        size_t len = k;
        ssize_t rc = http_chunked_decode(&c, p, &len);
        CHECK(len <= k);
        memcpy(out + *outn, p, len);
        *outn += len;
        CHECK(c.total == *outn);
        if (rc >= 0) {
            CHECK((size_t)rc <= k - len);
            /* What follows the body is moved right after the data. */
            CHECK(memcmp(p + len, src + r + k - (size_t)rc, (size_t)rc) == 0);
            /* Called again, a finished body takes nothing more. */
            size_t again = (size_t)rc;
            if (rc > 0)
                CHECK(http_chunked_decode(&c, p + len, &again) == rc && again == 0);
        }
        free(p);
        if (rc == -1)
            return -1;
        if (rc >= 0)
            return (long)(r + k - (size_t)rc);
        CHECK(rc == -2);
        r += k;
    }
    return -2;
}

/* field-vchar, SP and HTAB: what an extension or a trailer line may hold. */
static int value_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Reads the end of a line at s[*i]: LF, or CR LF. Returns 1 and moves *i
 * past it, 0 when s[*i] is not a line end, -2 when the input ends first,
 * -1 for a CR not followed by LF. */
static int ref_eol(const unsigned char *s, size_t n, size_t *i)
{
    if (s[*i] == '\n') {
        *i += 1;
        return 1;
    }
    if (s[*i] != '\r')
        return 0;
    if (*i + 1 >= n)
        return -2;
    if (s[*i + 1] != '\n')
        return -1;
    *i += 2;
    return 1;
}

/* The reference, one byte after the other over the whole buffer:
 *
 *     chunk   = 1*HEXDIG [BWS] [";" ext] EOL data EOL   (size > 0)
 *     last    = 1*HEXDIG [BWS] [";" ext] EOL             (size 0)
 *     trailer = *(field-line EOL) EOL
 *
 * where EOL is CRLF or a bare LF (RFC 9112 §2.2), an extension and a
 * trailer line hold only field-vchar, SP and HTAB (their finer syntax is
 * not checked, as the decoder ignores them), and a size or trailer line
 * holds at most LINE_MAX_BYTES bytes. An error is reported as soon as the
 * byte that makes it certain is seen, so a prefix of the answer "-2" is
 * never an error. The framing limit (64 KiB + 8 per data byte) is not
 * modelled: no input the fuzzer makes reaches it. Returns as
 * chunked_pieces(). */
static long ref_decode(const unsigned char *s, size_t n, unsigned char *out, size_t *outn)
{
    size_t i = 0;
    int e;

    *outn = 0;
    for (;;) {
        uint64_t size = 0;
        size_t line = 0, digits = 0;
        int ext = 0;

        for (; i < n && hexv(s[i]) >= 0; i++, digits++) {
            if (size > UINT64_MAX >> 4)
                return -1;
            size = size << 4 | (unsigned)hexv(s[i]);
            if (++line > LINE_MAX_BYTES)
                return -1;
        }
        if (i >= n)
            return -2;
        if (digits == 0)
            return -1;
        for (;;) {
            if (i >= n)
                return -2;
            if ((e = ref_eol(s, n, &i)) != 0) {
                if (e < 0)
                    return e;
                break;
            }
            unsigned char c = s[i++];
            if (ext ? !value_byte(c) : !(c == ' ' || c == '\t' || c == ';'))
                return -1;
            ext |= c == ';';
            if (++line > LINE_MAX_BYTES)
                return -1;
        }
        if (size == 0)
            break;
        size_t take = n - i < size ? n - i : (size_t)size;
        memcpy(out + *outn, s + i, take);
        *outn += take;
        i += take;
        if (take < size || i >= n)
            return -2;
        if ((e = ref_eol(s, n, &i)) != 1)
            return e == 0 ? -1 : e;
    }
    for (;;) {
        size_t line = 0;
        for (;;) {
            if (i >= n)
                return -2;
            if ((e = ref_eol(s, n, &i)) != 0) {
                if (e < 0)
                    return e;
                break;
            }
            if (!value_byte(s[i++]) || ++line > LINE_MAX_BYTES)
                return -1;
        }
        if (line == 0)
            return (long)i;
    }
}

static void fuzz_arbitrary(const char *buf, size_t n, uint32_t seed)
{
    char *whole = malloc(n + 1), *bytes = malloc(n + 1), *pieces = malloc(n + 1);
    unsigned char *ref = malloc(n + 1);
    size_t wn, bn, pn, rn;

    CHECK(whole && bytes && pieces && ref);
    long rw = chunked_pieces(buf, n, whole, &wn, &seed, 0);
    long rb = chunked_pieces(buf, n, bytes, &bn, &seed, 1);
    long rp = chunked_pieces(buf, n, pieces, &pn, &seed, 2);
    long rr = ref_decode((const unsigned char *)buf, n, ref, &rn);
    if (rw != rb || rw != rp || rw != rr) {
        fprintf(stderr, "whole %ld, byte by byte %ld, pieces %ld, reference %ld\n", rw, rb, rp, rr);
        abort();
    }
    /* The data never outgrows the input, nor the data and what follows. */
    CHECK(wn <= n && (rw < 0 || wn + (n - (size_t)rw) <= n));
    if (rw != -1) {
        CHECK(wn == bn && memcmp(whole, bytes, wn) == 0);
        CHECK(wn == pn && memcmp(whole, pieces, wn) == 0);
        CHECK(wn == rn && memcmp(whole, ref, wn) == 0);
    }
    free(whole);
    free(bytes);
    free(pieces);
    free(ref);
}

/* Appends s[0..k) to the encoding being built in e (room checked). */
static void put(char *e, size_t *en, size_t cap, const char *s, size_t k)
{
    CHECK(*en + k <= cap);
    memcpy(e + *en, s, k);
    *en += k;
}

static void put_eol(char *e, size_t *en, size_t cap, uint32_t *seed)
{
    if (rng_next(seed) % 4 == 0)
        put(e, en, cap, "\n", 1);
    else
        put(e, en, cap, "\r\n", 2);
}

static void fuzz_round_trip(const char *data, size_t n, uint32_t seed)
{
    static const char *const exts[] = {"",   ";a=b",  "; name=\"quoted value\"",
                                       ";x", " ;y=1", "\t;z"};
    static const char *const trailers[] = {"Checksum: abc", "X-T:", "a: b c"};
    static const char next[] = "GET / HTTP/1.1\r\n";
    size_t cap = 64 + n * 40, en = 0, off = 0;
    char *e = malloc(cap), *out = malloc(cap);
    char line[64];
    size_t outn;

    CHECK(e && out);
    while (off < n) {
        size_t k = 1 + rng_next(&seed) % 300;
        if (k > n - off)
            k = n - off;
        /* Sizes in either case, sometimes with leading zeros. */
        int w = snprintf(line, sizeof(line), rng_next(&seed) % 2 ? "%s%zx" : "%s%zX",
                         rng_next(&seed) % 5 == 0 ? "00" : "", k);
        put(e, &en, cap, line, (size_t)w);
        const char *x = exts[rng_next(&seed) % (sizeof(exts) / sizeof(exts[0]))];
        put(e, &en, cap, x, strlen(x));
        put_eol(e, &en, cap, &seed);
        put(e, &en, cap, data + off, k);
        put_eol(e, &en, cap, &seed);
        off += k;
    }
    put(e, &en, cap, "0", 1);
    put_eol(e, &en, cap, &seed);
    for (uint32_t t = rng_next(&seed) % 3; t > 0; t--) {
        const char *x = trailers[rng_next(&seed) % (sizeof(trailers) / sizeof(trailers[0]))];
        put(e, &en, cap, x, strlen(x));
        put_eol(e, &en, cap, &seed);
    }
    put_eol(e, &en, cap, &seed);
    size_t body = en;
    put(e, &en, cap, next, rng_next(&seed) % sizeof(next));

    long rc = chunked_pieces(e, en, out, &outn, &seed, 2);
    CHECK(rc == (long)body);
    CHECK(outn == n && memcmp(out, data, n) == 0);
    rc = chunked_pieces(e, en, out, &outn, &seed, 0);
    CHECK(rc == (long)body && outn == n && memcmp(out, data, n) == 0);
    free(e);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *buf = fuzz_input(data, size, &n, &seed);

    if (ctl & 0x80)
        fuzz_round_trip(buf, n, seed);
    else
        fuzz_arbitrary(buf, n, seed);
    free(buf);
    return 0;
}
