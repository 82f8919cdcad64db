#include "quote.h"

#include <stdbool.h>
#include <string.h>

/* Characters that never need quoting. ':' is not one of them here: it
 * ends the name in "cat: NAME: error". */
static bool is_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("%+,-./]_@", c) != NULL;
}

static bool is_printable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

/* Whether c, at index i of name (of length len), makes the name need
 * quotes. '#' and '~' are special only at the start of a word, '{' and '}'
 * only alone. */
static bool needs_quotes(unsigned char c, size_t i, size_t len)
{
    if (is_plain(c))
        return false;
    if (c == '#' || c == '~')
        return i == 0;
    if (c == '{' || c == '}')
        return len == 1;
    return true;
}

/* Whether c can stand inside double quotes as it is. With a single quote
 * in the name and only such characters, GNU prefers "it's" to 'it'\''s'. */
static bool fits_double_quotes(unsigned char c, size_t i, size_t len)
{
    if (c == '#' || c == '~')
        return i == 0;
    if (c == '{' || c == '}')
        return len == 1;
    return is_plain(c) || c == ':' || c == ' ' || c == '\'';
}

struct out {
    char *dst;
    size_t cap, len;
};

static void emit(struct out *o, const char *s)
{
    for (; *s != '\0'; s++) {
        if (o->len + 1 < o->cap)
            o->dst[o->len] = *s;
        o->len++;
    }
}

static void emit_char(struct out *o, char c)
{
    char s[2] = {c, '\0'};

    emit(o, s);
}

/* A non-printable byte inside $'...': the C escape, or three octal digits. */
static void emit_escape(struct out *o, unsigned char c)
{
    static const char letters[] = "\aa\bb\ff\nn\rr\tt\vv";
    const char *l = memchr(letters, c, sizeof(letters) - 1);
    char s[5];

    if (c != 0 && l != NULL && (l - letters) % 2 == 0) {
        s[0] = '\\';
        s[1] = l[1];
        s[2] = '\0';
    } else {
        s[0] = '\\';
        s[1] = (char)('0' + (c >> 6));
        s[2] = (char)('0' + ((c >> 3) & 7));
        s[3] = (char)('0' + (c & 7));
        s[4] = '\0';
    }
    emit(o, s);
}

size_t quote_name(const char *name, char *dst, size_t cap)
{
    struct out o = {dst, cap, 0};
    size_t len = strlen(name);
    bool quotes = len == 0, squote = false, dq = true;
    bool in_escape = false; /* inside a $'...' part */

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        quotes |= needs_quotes(c, i, len);
        squote |= c == '\'';
        dq &= fits_double_quotes(c, i, len);
    }

    if (!quotes) {
        emit(&o, name);
    } else if (squote && dq) {
        emit(&o, "\"");
        emit(&o, name);
        emit(&o, "\"");
    } else {
        emit(&o, "'");
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)name[i];
            if (c == '\'') {
                /* Close the quotes, an escaped quote, open them again. */
                emit(&o, "'\\''");
                in_escape = false;
            } else if (!is_printable(c)) {
                if (!in_escape) {
                    emit(&o, "'$'");
                    in_escape = true;
                }
                emit_escape(&o, c);
            } else {
                if (in_escape) {
                    emit(&o, "''");
                    in_escape = false;
                }
                emit_char(&o, (char)c);
            }
        }
        emit(&o, "'");
    }
    if (cap > 0)
        dst[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}
