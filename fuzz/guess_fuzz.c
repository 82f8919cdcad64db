/* libFuzzer harness for the guess protocol's datagram parsers and
 * formatters (impl/guess/lib/proto.c; `make fuzz`).
 *
 * The first input byte picks the formatter's buffer size for the last
 * check; the rest is one datagram, in a buffer of exactly its size (ASan
 * sees a read past it). It checks:
 *   - guess_parse_request() accepts exactly what the grammar of
 *     specs/guess.md says ("GUESS", seq 1..2^32-1, n < 2^64, plain digits,
 *     one optional final "\n"), returns len or -1, and sets req->seq as
 *     GUESS-009 says: the seq when "GUESS <valid seq>" is a whole field,
 *     else 0 (a model written here, one field after the other);
 *   - guess_parse_reply() likewise for the four replies;
 *   - what parses formats back into a datagram that parses to the same
 *     values, byte for byte the input when the input had no leading zeros
 *     and ended in "\n";
 *   - the formatters never write past the size they are given, and report
 *     -ENOSPC rather than cut a reply. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "proto.h"

/* A field of plain digits at s[*i], at most max: 1 and its value, 0 when
 * there is no digit, or -1 when the value is over max. A field that starts
 * with '0' and has more digits is marked in *zeros. */
static int digits(const char *s, size_t n, size_t *i, uint64_t max, uint64_t *v, int *zeros)
{
    size_t start = *i;
    unsigned __int128 x = 0;

    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        x = x * 10 + (unsigned)(s[*i] - '0');
        if (x > max)
            return -1;
        (*i)++;
    }
    if (*i == start)
        return 0;
    if (*i - start > 1 && s[start] == '0')
        *zeros = 1;
    *v = (uint64_t)x;
    return 1;
}

/* The end of a datagram at s[i]: nothing left, or only "\n". */
static int at_end(const char *s, size_t n, size_t i, int need_nl)
{
    return (i == n && !need_nl) || (i + 1 == n && s[i] == '\n');
}

/* The request model. Returns 0 or -1, *seq as GUESS-009 says. */
static int model_request(const char *s, size_t n, uint32_t *seq, uint64_t *num, int *zeros)
{
    size_t i = 6;
    uint64_t v;

    *seq = 0;
    if (n < 6 || memcmp(s, "GUESS ", 6) != 0)
        return -1;
    if (digits(s, n, &i, UINT32_MAX, &v, zeros) != 1 || v == 0)
        return -1;
    if (!(i == n || s[i] == ' ' || at_end(s, n, i, 1)))
        return -1;
    *seq = (uint32_t)v;
    if (i >= n || s[i] != ' ')
        return -1;
    i++;
    if (digits(s, n, &i, UINT64_MAX, num, zeros) != 1 || !at_end(s, n, i, 0))
        return -1;
    return 0;
}

static int starts(const char *s, size_t n, size_t *i, const char *w)
{
    size_t k = strlen(w);

    if (n - *i < k || memcmp(s + *i, w, k) != 0)
        return 0;
    *i += k;
    return 1;
}

/* The reply model. Returns 0 or -1. */
static int model_reply(const char *s, size_t n, struct guess_reply *r, int *zeros)
{
    static const char *const words[] = {"HIGHER ", "LOWER ", "CORRECT ", "ERR "};
    static const char *const reasons[] = {"malformed", "range", "stale"};
    size_t i = 0;
    uint64_t v;
    int w;

    for (w = 0; w < 4 && !starts(s, n, &i, words[w]); w++)
        ;
    if (w == 4)
        return -1;
    if (digits(s, n, &i, UINT32_MAX, &v, zeros) != 1 || !starts(s, n, &i, " "))
        return -1;
    r->seq = (uint32_t)v;
    r->tries = 0;
    if (w < 3) {
        r->kind = (enum guess_kind)w;
        if (digits(s, n, &i, UINT32_MAX, &v, zeros) != 1)
            return -1;
        r->tries = (uint32_t)v;
    } else {
        int k;
        for (k = 0; k < 3 && !starts(s, n, &i, reasons[k]); k++)
            ;
        if (k == 3)
            return -1;
        r->kind = (enum guess_kind)(GUESS_ERR_MALFORMED + k);
    }
    return at_end(s, n, i, 1) ? 0 : -1;
}

static void fuzz_request(const char *s, size_t n)
{
    struct guess_req req, again;
    uint32_t seq;
    uint64_t num = 0;
    int zeros = 0;
    int want = model_request(s, n, &seq, &num, &zeros);
    int rc = guess_parse_request(s, n, &req);

    if (rc != (want == 0 ? (int)n : -1) || req.seq != seq) {
        fprintf(stderr, "request: got %d seq %u, model %d seq %u\n", rc, req.seq, want, seq);
        abort();
    }
    if (rc < 0)
        return;
    CHECK(req.n == num);
    char out[48];
    int len = guess_format_request(out, sizeof(out), req.seq, req.n);
    CHECK(len > 0 && (size_t)len < sizeof(out));
    CHECK(guess_parse_request(out, (size_t)len, &again) == len);
    CHECK(again.seq == req.seq && again.n == req.n);
    if (!zeros && s[n - 1] == '\n')
        CHECK((size_t)len == n && memcmp(out, s, n) == 0);
}

static void fuzz_reply(const char *s, size_t n, size_t room)
{
    struct guess_reply rep = {0}, want = {0}, again = {0};
    int zeros = 0;
    int w = model_reply(s, n, &want, &zeros);
    int rc = guess_parse_reply(s, n, &rep);

    if (rc != (w == 0 ? (int)n : -1)) {
        fprintf(stderr, "reply: got %d, model %d\n", rc, w);
        abort();
    }
    if (rc < 0)
        return;
    CHECK(rep.kind == want.kind && rep.seq == want.seq && rep.tries == want.tries);
    static const char *const names[] = {"HIGHER", "LOWER", "CORRECT", "ERR", "ERR", "ERR"};
    CHECK(strcmp(guess_kind_name(rep.kind), names[rep.kind]) == 0);
    /* Formatted into a buffer of exactly `room` bytes (ASan sees a write
     * past it): the whole reply, or -ENOSPC. */
    char *out = malloc(room ? room : 1);
    CHECK(out);
    int len = guess_format_reply(out, room, &rep);
    if (len == -ENOSPC) {
        CHECK(room < GUESS_REPLY_MAX);
    } else {
        CHECK(len > 0 && (size_t)len < room && len <= GUESS_REPLY_MAX);
        CHECK(guess_parse_reply(out, (size_t)len, &again) == len);
        CHECK(again.kind == rep.kind && again.seq == rep.seq && again.tries == rep.tries);
        if (!zeros)
            CHECK((size_t)len == n && memcmp(out, s, n) == 0);
    }
    free(out);
}

/* The formatters on values taken from the input, with any kind (an
 * unknown one is -EINVAL) into a buffer of exactly `room` bytes. */
static void fuzz_format(const char *s, size_t n, size_t room)
{
    struct guess_reply r = {0};
    uint8_t raw[16] = {0};

    memcpy(raw, s, n < sizeof(raw) ? n : sizeof(raw));
    r.kind = (enum guess_kind)(raw[0] % 8);
    memcpy(&r.seq, raw + 1, sizeof(r.seq));
    memcpy(&r.tries, raw + 5, sizeof(r.tries));
    char *out = malloc(room ? room : 1);
    CHECK(out);
    int len = guess_format_reply(out, room, &r);
    if (r.kind > GUESS_ERR_STALE) {
        CHECK(len == -EINVAL);
        CHECK(strcmp(guess_kind_name(r.kind), "?") == 0);
    } else if (len != -ENOSPC) {
        struct guess_reply back;
        CHECK(len > 0 && (size_t)len < room);
        CHECK(guess_parse_reply(out, (size_t)len, &back) == len);
        CHECK(back.kind == r.kind && back.seq == r.seq);
        CHECK(back.tries == (r.kind <= GUESS_CORRECT ? r.tries : 0));
    } else {
        /* -ENOSPC only when the reply and its NUL do not fit. */
        char big[GUESS_REPLY_MAX];
        int need = guess_format_reply(big, sizeof(big), &r);
        CHECK(need > 0 && (size_t)need >= room);
    }
    uint64_t num;
    memcpy(&num, raw + 8, sizeof(num));
    len = guess_format_request(out, room, r.seq, num);
    if (len != -ENOSPC) {
        struct guess_req back;
        CHECK(len > 0 && (size_t)len < room);
        int rc = guess_parse_request(out, (size_t)len, &back);
        /* seq 0 is no valid seq: the formatter writes it, the parser
         * refuses it. */
        CHECK(r.seq == 0 ? rc == -1 : (rc == len && back.seq == r.seq && back.n == num));
    }
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
    size_t room = ctl & 0x3f; /* 0..63: around GUESS_REPLY_MAX and 48 */

    fuzz_request(buf, n);
    fuzz_reply(buf, n, room);
    fuzz_format(buf, n, room);
    free(buf);
    return 0;
}
