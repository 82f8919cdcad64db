#include "proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
    [GUESS_HIGHER] = "HIGHER",     [GUESS_LOWER] = "LOWER",   [GUESS_CORRECT] = "CORRECT",
    [GUESS_ERR_MALFORMED] = "ERR", [GUESS_ERR_RANGE] = "ERR", [GUESS_ERR_STALE] = "ERR",
};

static const char *const err_reasons[] = {
    [GUESS_ERR_MALFORMED] = "malformed",
    [GUESS_ERR_RANGE] = "range",
    [GUESS_ERR_STALE] = "stale",
};

const char *guess_kind_name(enum guess_kind kind)
{
    if ((unsigned)kind > GUESS_ERR_STALE)
        return "?";
    return kind_names[kind];
}

/* A cursor over one datagram. */
struct cur {
    const char *p;
    size_t len, pos;
};

/* Consumes the exact bytes of s. Returns true if they were there. */
static bool eat(struct cur *c, const char *s)
{
    size_t n = strlen(s);

    if (c->len - c->pos < n || memcmp(c->p + c->pos, s, n) != 0)
        return false;
    c->pos += n;
    return true;
}

/* Consumes a run of one or more decimal digits whose value is at most max.
 * Returns true and stores the value, or false (no digit, or too large) with
 * the cursor wherever the run stopped. */
static bool eat_number(struct cur *c, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t start = c->pos;

    while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
        unsigned d = (unsigned)(c->p[c->pos] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
        c->pos++;
    }
    if (c->pos == start)
        return false;
    *out = v;
    return true;
}

/* True when the cursor is at the end, or at a final "\n". */
static bool at_line_end(const struct cur *c, bool newline_required)
{
    size_t left = c->len - c->pos;

    if (left == 0)
        return !newline_required;
    return left == 1 && c->p[c->pos] == '\n';
}

int guess_parse_request(const char *p, size_t len, struct guess_req *req)
{
    struct cur c = {.p = p, .len = len, .pos = 0};
    uint64_t seq, n;

    req->seq = 0;
    req->n = 0;
    if (!eat(&c, "GUESS ") || !eat_number(&c, GUESS_SEQ_MAX, &seq) || seq == 0)
        return -1;
    /* The seq is readable only if it is a whole field: "GUESS 12x 3" has
     * none, "GUESS 12" (no n) has one. */
    if (c.pos < c.len && c.p[c.pos] != ' ' && !at_line_end(&c, false))
        return -1;
    req->seq = (uint32_t)seq;
    if (!eat(&c, " ") || !eat_number(&c, UINT64_MAX, &n) || !at_line_end(&c, false))
        return -1;
    req->n = n;
    return (int)len;
}

int guess_parse_reply(const char *p, size_t len, struct guess_reply *rep)
{
    struct cur c = {.p = p, .len = len, .pos = 0};
    uint64_t seq, tries;

    if (eat(&c, "HIGHER "))
        rep->kind = GUESS_HIGHER;
    else if (eat(&c, "LOWER "))
        rep->kind = GUESS_LOWER;
    else if (eat(&c, "CORRECT "))
        rep->kind = GUESS_CORRECT;
    else if (eat(&c, "ERR "))
        rep->kind = GUESS_ERR_MALFORMED; /* refined by the reason below */
    else
        return -1;
    if (!eat_number(&c, GUESS_SEQ_MAX, &seq) || !eat(&c, " "))
        return -1;
    rep->seq = (uint32_t)seq;
    rep->tries = 0;
    if (rep->kind == GUESS_ERR_MALFORMED) {
        if (eat(&c, "range"))
            rep->kind = GUESS_ERR_RANGE;
        else if (eat(&c, "stale"))
            rep->kind = GUESS_ERR_STALE;
        else if (!eat(&c, "malformed"))
            return -1;
    } else {
        if (!eat_number(&c, UINT32_MAX, &tries))
            return -1;
        rep->tries = (uint32_t)tries;
    }
    if (!at_line_end(&c, true))
        return -1;
    return (int)len;
}

int guess_format_reply(char *out, size_t outlen, const struct guess_reply *r)
{
    int n;

    switch (r->kind) {
    case GUESS_HIGHER:
    case GUESS_LOWER:
    case GUESS_CORRECT:
        n = snprintf(out, outlen, "%s %" PRIu32 " %" PRIu32 "\n", kind_names[r->kind], r->seq,
                     r->tries);
        break;
    case GUESS_ERR_MALFORMED:
    case GUESS_ERR_RANGE:
    case GUESS_ERR_STALE:
        n = snprintf(out, outlen, "ERR %" PRIu32 " %s\n", r->seq, err_reasons[r->kind]);
        break;
    default:
        return -EINVAL;
    }
    /* snprintf's NUL needs one more byte than the line; the caller sends
     * only the line, but a buffer too small for both is reported, not cut. */
    if (n < 0 || (size_t)n >= outlen)
        return -ENOSPC;
    return n;
}

int guess_format_request(char *out, size_t outlen, uint32_t seq, uint64_t n)
{
    int len = snprintf(out, outlen, "GUESS %" PRIu32 " %" PRIu64 "\n", seq, n);

    if (len < 0 || (size_t)len >= outlen)
        return -ENOSPC;
    return len;
}
