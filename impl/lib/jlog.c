#include "jlog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

void jlog_begin(struct jlog_line *j, char *buf, size_t cap)
{
    j->p = buf;
    j->cap = cap;
    j->len = 0;
    j->first = true;
    j->overflow = cap < 3;
    if (!j->overflow)
        j->p[j->len++] = '{';
}

/* Appends n raw bytes, or marks the line as overflowed. The last two bytes
 * of the buffer are kept for "}\n". */
static void raw(struct jlog_line *j, const char *s, size_t n)
{
    if (j->overflow || j->len + n + 2 > j->cap) {
        j->overflow = true;
        return;
    }
    memcpy(j->p + j->len, s, n);
    j->len += n;
}

/* Appends `,"key":` (no comma before the first member). */
static void key(struct jlog_line *j, const char *k)
{
    if (!j->first)
        raw(j, ",", 1);
    j->first = false;
    raw(j, "\"", 1);
    raw(j, k, strlen(k));
    raw(j, "\":", 2);
}

size_t jlog_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* below: an overlong form of a 2-byte sequence */
        else if (c == 0xed)
            hi = 0x9f; /* above: UTF-16 surrogates, not characters */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* past U+10FFFF */
    } else {
        return 0; /* a continuation byte, 0xc0/0xc1 (overlong) or 0xf5.. */
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    }
    return len;
}

bool jlog_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < n;) {
        size_t k = jlog_utf8_len(u + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

size_t jlog_escape(const char *s, size_t n, char *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = 0;

    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t k;

        if (c == '"' || c == '\\') {
            out[len++] = '\\';
            out[len++] = (char)c;
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            /* RFC 8259 §7 requires escaping U+0000..U+001F; DEL is escaped
             * too so the line stays readable in a terminal. */
            memcpy(out + len, "\\u00", 4);
            out[len + 4] = hexdig[c >> 4];
            out[len + 5] = hexdig[c & 15];
            len += 6;
            i++;
            continue;
        }
        k = jlog_utf8_len(u + i, n - i);
        if (k == 0) {
            memcpy(out + len, "\\ufffd", 6);
            len += 6;
            i++;
            continue;
        }
        memcpy(out + len, s + i, k);
        len += k;
        i += k;
    }
    return len;
}

void jlog_str(struct jlog_line *j, const char *k, const char *s, size_t n)
{
    key(j, k);
    raw(j, "\"", 1);
    /* Escape straight into the line when the worst case fits. */
    if (!j->overflow && j->len + JLOG_ESCAPED_MAX(n) + 1 + 2 <= j->cap) {
        j->len += jlog_escape(s, n, j->p + j->len);
    } else {
        j->overflow = true;
        return;
    }
    raw(j, "\"", 1);
}

void jlog_cstr(struct jlog_line *j, const char *k, const char *s)
{
    if (s == NULL)
        jlog_null(j, k);
    else
        jlog_str(j, k, s, strlen(s));
}

void jlog_null(struct jlog_line *j, const char *k)
{
    key(j, k);
    raw(j, "null", 4);
}

void jlog_int(struct jlog_line *j, const char *k, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

    key(j, k);
    raw(j, tmp, (size_t)n);
}

void jlog_ms(struct jlog_line *j, const char *k, uint64_t ns)
{
    char tmp[32];
    uint64_t us = (ns + 500) / 1000; /* rounded to the microsecond shown */
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);

    key(j, k);
    raw(j, tmp, (size_t)n);
}

size_t jlog_end(struct jlog_line *j)
{
    if (j->overflow)
        return 0;
    /* raw() kept these two bytes free. */
    j->p[j->len++] = '}';
    j->p[j->len++] = '\n';
    return j->len;
}

size_t jlog_time(const struct timespec *ts, char *out)
{
    struct tm tm;
    char tmp[64];
    int n;

    if (gmtime_r(&ts->tv_sec, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year < -1900)
        return 0;
    n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts->tv_nsec / 1000000);
    if (n != JLOG_TIME_LEN)
        return 0;
    memcpy(out, tmp, JLOG_TIME_LEN + 1);
    return JLOG_TIME_LEN;
}
