#include "escape.h"

#include <langinfo.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>
#include <wctype.h>

bool esc_locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);

    return cs != NULL && strcasecmp(cs, "UTF-8") == 0;
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* The byte rule: what ps shows when it cannot, or no longer wants to,
 * decode characters. */
static void bytes_rule(unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (is_control(s[i]))
            s[i] = '.';
        else if (s[i] >= 0x80)
            s[i] = '?';
    }
}

/* The length of the UTF-8 sequence a lead byte announces, or 0 when the
 * byte starts none: a continuation byte (0x80-0xBF), a lead of an
 * always-overlong form (0xC0, 0xC1) or of a code point past U+10FFFF
 * (0xF5 and up). */
static size_t lead_length(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c < 0xc2)
        return 0;
    if (c < 0xe0)
        return 2;
    if (c < 0xf0)
        return 3;
    if (c < 0xf5)
        return 4;
    return 0;
}

size_t esc_ps_bytes(char *str, size_t len, bool utf8)
{
    unsigned char *s = (unsigned char *)str;
    size_t i = 0;

    if (!utf8) {
        bytes_rule(s, len);
        return len;
    }
    while (i < len) {
        size_t n = lead_length(s[i]);

        if (n == 0 || n > len - i) {
            bytes_rule(s + i, len - i);
            break;
        }
        if (is_control(s[i]))
            s[i] = '?';
        i += n;
    }
    return len;
}

size_t esc_ps_chars(char *s, size_t len, bool utf8)
{
    mbstate_t st;
    size_t r = 0, w = 0;

    if (!utf8)
        return len;
    memset(&st, 0, sizeof(st));
    while (r < len) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s + r, len - r, &st);

        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            /* Not a character (or a NUL, which the caller excluded): one
             * '?' for this byte, and start afresh at the next one. */
            memset(&st, 0, sizeof(st));
            s[w++] = '?';
            r++;
        } else if (n == 1) {
            unsigned char c = (unsigned char)s[r];

            s[w++] = is_control(c) ? '?' : (char)c;
            r++;
        } else if (!iswprint((wint_t)wc)) {
            s[w++] = '?';
            r += n;
        } else {
            memmove(s + w, s + r, n);
            w += n;
            r += n;
        }
    }
    return w;
}

size_t esc_ps(char *s, size_t len, bool utf8)
{
    len = esc_ps_bytes(s, len, utf8);
    return esc_ps_chars(s, len, utf8);
}

size_t esc_controls(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (is_control((unsigned char)s[i]))
            s[i] = '?';
    }
    return len;
}
