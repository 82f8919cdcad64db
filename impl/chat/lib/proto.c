#include "proto.h"

#include <string.h>

/* The C library's ctype functions depend on the locale; the protocol is
 * plain ASCII whatever the locale. */
static bool is_alpha(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_nick_char(unsigned char ch)
{
    return is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static unsigned char fold(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch - 'A' + 'a') : ch;
}

bool proto_nick_valid(const char *s, size_t n)
{
    if (n == 0 || n > PROTO_NICK_MAX || !is_alpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_nick_char((unsigned char)s[i]))
            return false;
    return true;
}

bool proto_nick_same(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

int proto_nick_order(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);

    if (c != 0)
        return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Returns true when line[0..n) is exactly the NUL-terminated word w. */
static bool is_word(const char *line, size_t n, const char *w)
{
    size_t wn = strlen(w);

    return n == wn && memcmp(line, w, wn) == 0;
}

enum proto_cmd proto_parse(const char *line, size_t n, const char **arg, size_t *arglen)
{
    static const char nick[] = "/nick ";
    size_t nn = sizeof(nick) - 1;

    if (n == 0)
        return PROTO_EMPTY;
    if (line[0] != '/')
        return PROTO_MSG;
    if (is_word(line, n, "/who"))
        return PROTO_WHO;
    if (is_word(line, n, "/quit"))
        return PROTO_QUIT;
    if (is_word(line, n, "/nick") || (n >= nn && memcmp(line, nick, nn) == 0)) {
        *arg = line + (n > nn ? nn : n);
        *arglen = n > nn ? n - nn : 0;
        return PROTO_NICK;
    }
    return PROTO_UNKNOWN;
}
