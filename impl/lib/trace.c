#include "trace.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char hexdig[] = "0123456789abcdef";

/* Value of one lowercase hex digit, or -1. Upper case is refused: the W3C
 * grammar is HEXDIGLC, so "4BF9..." and "4bf9..." are not the same id
 * written two ways but one valid id and one invalid value. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes 2n lowercase hex digits at s into out[0..n). Returns 0 or -EINVAL. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t any = 0;

    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return any == 0;
}

int trace_parse(const char *s, size_t n, struct trace_parent *out)
{
    struct trace_parent t;

    /* "vv-" first: without it nothing else can be trusted (§3.2.4). */
    if (n < 3 || unhex(s, &t.version, 1) < 0 || s[2] != '-')
        return -EINVAL;
    if (t.version == 0xff)
        return -EINVAL;
    /* Version 00 is exactly 55 characters. A later version may append
     * fields after a dash; its first 55 characters are read as 00's. */
    if (t.version == 0 ? n != TRACE_PARENT_LEN : n < TRACE_PARENT_LEN)
        return -EINVAL;
    if (n > TRACE_PARENT_LEN && s[TRACE_PARENT_LEN] != '-')
        return -EINVAL;
    if (unhex(s + 3, t.trace_id, TRACE_ID_BYTES) < 0 || s[35] != '-' ||
        unhex(s + 36, t.parent_id, TRACE_SPAN_BYTES) < 0 || s[52] != '-' ||
        unhex(s + 53, &t.flags, 1) < 0)
        return -EINVAL;
    if (all_zero(t.trace_id, TRACE_ID_BYTES) || all_zero(t.parent_id, TRACE_SPAN_BYTES))
        return -EINVAL;
    *out = t;
    return 0;
}

void trace_hex(const void *p, size_t n, char *out)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[b[i] >> 4];
        out[2 * i + 1] = hexdig[b[i] & 15];
    }
    out[2 * n] = '\0';
}

size_t trace_format(const uint8_t trace_id[TRACE_ID_BYTES], const uint8_t span_id[TRACE_SPAN_BYTES],
                    uint8_t flags, char *out)
{
    memcpy(out, "00-", 3);
    trace_hex(trace_id, TRACE_ID_BYTES, out + 3);
    out[35] = '-';
    trace_hex(span_id, TRACE_SPAN_BYTES, out + 36);
    out[52] = '-';
    trace_hex(&flags, 1, out + 53);
    return TRACE_PARENT_LEN;
}

void trace_rng_init(struct trace_rng *r)
{
    r->left = 0;
}

int trace_random(struct trace_rng *r, void *p, size_t n)
{
    if (n > sizeof(r->pool))
        return -EINVAL;
    if (r->left < n) {
        size_t got = 0;
        while (got < sizeof(r->pool)) {
            /* Up to 256 bytes never return short once the kernel's pool
             * is ready, but a signal could interrupt a larger request. */
            ssize_t k = getrandom(r->pool + got, sizeof(r->pool) - got, 0);
            if (k < 0) {
                if (errno == EINTR)
                    continue;
                return -errno;
            }
            got += (size_t)k;
        }
        r->left = sizeof(r->pool);
    }
    /* Hand out bytes from the end and wipe them, so no id is ever given
     * twice even if a caller forgets to refill. */
    r->left -= n;
    memcpy(p, r->pool + r->left, n);
    memset(r->pool + r->left, 0, n);
    return 0;
}

int trace_random_id(struct trace_rng *r, uint8_t *id, size_t n)
{
    int rc;

    do {
        rc = trace_random(r, id, n);
        if (rc < 0)
            return rc;
    } while (all_zero(id, n)); /* 2^-64 at worst, but it is what the W3C forbids */
    return 0;
}
