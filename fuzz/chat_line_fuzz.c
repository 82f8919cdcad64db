/* libFuzzer harness for the chat server's line framer and line parser
 * (impl/chat/lib/line.c, proto.c; `make fuzz`).
 *
 * The first input byte picks a repeat count and a seed for the splits; the
 * rest, repeated that many times (so that lines past LINE_CONTENT_MAX are
 * cheap to reach), is what a client sent. It checks:
 *   - fed whole, byte by byte and in random pieces (each piece in a fresh
 *     buffer of its exact size, so ASan sees a read past it), the framer
 *     gives the same events: the same lines, the same LINE_TOO_LONG reports,
 *     the same bytes pending at the end, and these are what a plain model
 *     of the protocol says (split at "\n", one "\r" before it dropped, a
 *     line of more than LINE_CONTENT_MAX bytes reported once, never
 *     returned);
 *   - every call consumes 1..n bytes, a line holds no "\n" and is at most
 *     LINE_CONTENT_MAX bytes, and the framer never holds more than
 *     LINE_CONTENT_MAX + 1 bytes, nor any memory between lines;
 *   - every line's command (proto_parse) is the one the protocol's words
 *     say, a /nick argument lies inside the line, proto_nick_valid agrees
 *     with the nick grammar, proto_nick_same with ASCII case folding and
 *     proto_nick_order is an order (antisymmetric, 0 only for equal
 *     bytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "line.h"
#include "proto.h"

/* What a way of feeding produced: lines joined with their lengths, and an
 * event count, hashed (FNV-1a), so that the ways compare in O(1) room. */
struct outcome {
    uint64_t h;
    size_t lines, too_long, pending;
};

static void mix(struct outcome *o, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        o->h ^= b[i];
        o->h *= 1099511628211ull;
    }
}

static void record_line(struct outcome *o, const char *line, size_t len)
{
    mix(o, "L", 1);
    mix(o, &len, sizeof(len));
    mix(o, line, len);
    o->lines++;
}

static void record_too_long(struct outcome *o)
{
    mix(o, "!", 1);
    o->too_long++;
}

/* The model: the stream cut at each "\n". */
static struct outcome model(const char *s, size_t n)
{
    struct outcome o = {14695981039346656037ull, 0, 0, 0};
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\n')
            continue;
        size_t len = i - start;
        if (len > 0 && s[i - 1] == '\r')
            len--;
        if (len > LINE_CONTENT_MAX)
            record_too_long(&o);
        else
            record_line(&o, s + start, len);
        start = i + 1;
    }
    /* An unfinished line is known to be too long once it holds more than
     * the content and a "\r" that may end it. */
    size_t tail = n - start;
    if (tail > LINE_CONTENT_MAX + 1 || (tail == LINE_CONTENT_MAX + 1 && s[n - 1] != '\r'))
        record_too_long(&o);
    else
        o.pending = tail;
    return o;
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int nick_ok(const char *s, size_t n)
{
    if (n < 1 || n > PROTO_NICK_MAX || !is_alpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-')
            return 0;
    }
    return 1;
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* The words of one line, checked against the protocol (specs/chat.md). */
static void check_words(const char *line, size_t len, const char *prev, size_t prevlen)
{
    const char *arg = NULL;
    size_t arglen = 0;
    enum proto_cmd cmd = proto_parse(line, len, &arg, &arglen);
    enum proto_cmd want;

    if (len == 0)
        want = PROTO_EMPTY;
    else if (line[0] != '/')
        want = PROTO_MSG;
    else if (len == 4 && memcmp(line, "/who", 4) == 0)
        want = PROTO_WHO;
    else if (len == 5 && memcmp(line, "/quit", 5) == 0)
        want = PROTO_QUIT;
    else if ((len == 5 && memcmp(line, "/nick", 5) == 0) ||
             (len >= 6 && memcmp(line, "/nick ", 6) == 0))
        want = PROTO_NICK;
    else
        want = PROTO_UNKNOWN;
    CHECK(cmd == want);
    if (cmd == PROTO_NICK) {
        CHECK(arglen == (len > 6 ? len - 6 : 0));
        CHECK(arg >= line && arg + arglen <= line + len);
        CHECK(memcmp(arg, line + len - arglen, arglen) == 0);
        CHECK(proto_nick_valid(arg, arglen) == nick_ok(arg, arglen));
    }
    CHECK(proto_nick_valid(line, len) == nick_ok(line, len));

    /* Folding: the line against itself with its letters' case flipped. */
    char *flip = malloc(len + 1);
    CHECK(flip);
    for (size_t i = 0; i < len; i++)
        flip[i] = is_alpha((unsigned char)line[i]) ? (char)(line[i] ^ 0x20) : line[i];
    CHECK(proto_nick_same(line, len, flip, len));
    CHECK(proto_nick_same(line, len, line, len) && proto_nick_order(line, len, line, len) == 0);
    free(flip);

    /* Against the previous line: same() both ways, order antisymmetric. */
    int same = proto_nick_same(line, len, prev, prevlen);
    CHECK(same == proto_nick_same(prev, prevlen, line, len));
    int fold_eq = len == prevlen;
    for (size_t i = 0; fold_eq && i < len; i++) {
        unsigned char a = (unsigned char)line[i], b = (unsigned char)prev[i];
        fold_eq = a == b || (is_alpha(a) && (a ^ 0x20) == b);
    }
    CHECK(same == fold_eq);
    int ab = proto_nick_order(line, len, prev, prevlen);
    int ba = proto_nick_order(prev, prevlen, line, len);
    CHECK(sign(ab) == -sign(ba));
    CHECK((ab == 0) == (len == prevlen && memcmp(line, prev, len) == 0));
}

/* Feeds s[0..n) to a framer in pieces: mode 0 whole, 1 a byte at a time,
 * 2 random sizes. Checks every event; words: check each line's words too. */
static struct outcome feed(const char *s, size_t n, int mode, uint32_t *seed, int words)
{
    struct outcome o = {14695981039346656037ull, 0, 0, 0};
    struct line_framer f;
    char *prev = NULL;
    size_t prevlen = 0, r = 0;

    line_init(&f);
    while (r < n) {
        size_t k = mode == 0 ? n - r : mode == 1 ? 1 : 1 + rng_next(seed) % 1500;
        if (k > n - r)
            k = n - r;
        char *p = malloc(k);
        CHECK(p);
        memcpy(p, s + r, k);
        size_t used = 0;
        while (used < k) {
            enum line_event ev;
            const char *line = NULL;
            size_t len = 0;
            ssize_t c = line_feed(&f, p + used, k - used, &ev, &line, &len);
            CHECK(c >= 1 && (size_t)c <= k - used);
            CHECK(line_pending(&f) <= LINE_CONTENT_MAX + 1);
            if (ev == LINE_READY) {
                CHECK(len <= LINE_CONTENT_MAX);
                CHECK(len == 0 || memchr(line, '\n', len) == NULL);
                /* The line's last byte was just consumed (a "\r" and the
                 * "\n" after it). */
                CHECK(p[used + (size_t)c - 1] == '\n');
                record_line(&o, line, len);
                if (words) {
                    check_words(line, len, prev != NULL ? prev : "", prevlen);
                    free(prev);
                    prev = malloc(len + 1);
                    CHECK(prev);
                    memcpy(prev, line, len);
                    prevlen = len;
                }
            } else if (ev == LINE_TOO_LONG) {
                record_too_long(&o);
            } else {
                CHECK(ev == LINE_NONE);
                /* Nothing happened: every byte given was stored or dropped,
                 * or the dropping of an over-long line ended at its "\n". */
                CHECK((size_t)c == k - used || p[used + (size_t)c - 1] == '\n');
            }
            line_done(&f);
            /* Between lines, a framer holds no memory. */
            if (line_pending(&f) == 0)
                CHECK(f.partial.data == NULL);
            used += (size_t)c;
        }
        free(p);
        r += k;
    }
    o.pending = line_pending(&f);
    line_free(&f);
    free(prev);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *buf = fuzz_input(data, size, &n, &seed);

    /* ctl bit 7: the data repeated 2..33 times. */
    size_t times = (ctl & 0x80) ? 2 + (ctl & 0x1f) : 1;
    char *s = malloc(n * times + 1);
    CHECK(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * n, buf, n);
    n *= times;

    struct outcome want = model(s, n);
    struct outcome whole = feed(s, n, 0, &seed, 1);
    struct outcome bytes = feed(s, n, 1, &seed, 0);
    struct outcome pieces = feed(s, n, 2, &seed, 0);
    if (whole.h != want.h || bytes.h != want.h || pieces.h != want.h ||
        whole.pending != want.pending || bytes.pending != want.pending ||
        pieces.pending != want.pending) {
        fprintf(stderr,
                "model: %zu lines, %zu too long, %zu pending; whole: %zu, %zu, %zu; "
                "bytes: %zu, %zu, %zu; pieces: %zu, %zu, %zu\n",
                want.lines, want.too_long, want.pending, whole.lines, whole.too_long, whole.pending,
                bytes.lines, bytes.too_long, bytes.pending, pieces.lines, pieces.too_long,
                pieces.pending);
        abort();
    }
    free(s);
    free(buf);
    return 0;
}
