/* The RESP2 request parser: see resp.h for the contract.
 *
 * A request is read as a small state machine whose position is kept as
 * offsets from the start of the request, so that a call that returns -2
 * leaves behind exactly what the next call needs: where the search for the
 * next line end resumes (pos), where the current line started (line), how
 * many arguments are announced and how long the bulk being read is. A bulk's
 * data is never scanned: once its length is known the parser only waits for
 * that many bytes. */
#include "resp.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct resp_limits resp_default_limits = {
    .max_bulk = 512ull * 1024 * 1024,
    .max_args = 1024 * 1024,
    .max_inline = 64 * 1024,
};

enum {
    ST_START,   /* nothing read of this request */
    ST_INLINE,  /* searching for the LF that ends an inline line */
    ST_COUNT,   /* searching for the CR that ends "*<count>" */
    ST_BULKLEN, /* searching for the CR that ends "$<len>" */
    ST_BULK,    /* waiting for bulklen bytes and the CRLF after them */
    ST_ERROR    /* a protocol error was returned */
};

void resp_parser_init(struct resp_parser *p, const struct resp_limits *lim)
{
    memset(p, 0, sizeof(*p));
    p->lim = lim ? lim : &resp_default_limits;
    p->state = ST_START;
}

void resp_parser_free(struct resp_parser *p)
{
    free(p->argv);
    p->argv = NULL;
    free(p->ibuf);
    p->ibuf = NULL;
    p->icap = 0;
    p->cap = 0;
    p->argc = 0;
}

/* Returns -1 with the message redis sends; the parser stays in error. */
static ssize_t fail(struct resp_parser *p, const char *msg)
{
    p->state = ST_ERROR;
    p->error = msg;
    return -1;
}

/* Searches buf[p->pos..len) for c, counting the work. Returns its offset,
 * or (size_t)-1 with p->pos moved to len so the next call starts there. */
static size_t find(struct resp_parser *p, const char *buf, size_t len, char c)
{
    const char *q = memchr(buf + p->pos, c, len - p->pos);

    if (!q) {
        p->scanned += len - p->pos;
        p->pos = len;
        return (size_t)-1;
    }
    size_t at = (size_t)(q - buf);
    p->scanned += at - p->pos + 1;
    p->pos = at;
    return at;
}

int resp_parse_ll(const char *s, size_t n, long long *v)
{
    int neg = 0;
    unsigned long long u = 0;

    if (n == 1 && s[0] == '0') {
        *v = 0;
        return 1;
    }
    if (n > 0 && s[0] == '-') {
        neg = 1;
        s++;
        n--;
    }
    if (n == 0 || s[0] < '1' || s[0] > '9')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (u > (ULLONG_MAX - d) / 10)
            return 0;
        u = u * 10 + d;
    }
    if (neg) {
        if (u > (unsigned long long)LLONG_MAX + 1)
            return 0;
        *v = u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)u;
    } else {
        if (u > LLONG_MAX)
            return 0;
        *v = (long long)u;
    }
    return 1;
}

/* Appends the argument buf[off..off+n), growing argv by doubling but never
 * past want entries (the announced count, which a client can lie about:
 * the array grows with the arguments that really arrive). */
static int push_arg(struct resp_parser *p, size_t off, size_t n, size_t want)
{
    if (p->argc == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        if (cap > want)
            cap = want;
        struct resp_arg *v = realloc(p->argv, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        p->argv = v;
        p->cap = cap;
    }
    p->argv[p->argc].off = off;
    p->argv[p->argc].n = n;
    p->argc++;
    return 0;
}

/* The request is complete: turns the offsets into pointers and readies the
 * parser for the next request. Returns end, the request's length. */
static ssize_t done(struct resp_parser *p, const char *buf, size_t end)
{
    for (size_t i = 0; i < p->argc; i++)
        if (p->argv[i].off != RESP_OFF_NONE)
            p->argv[i].p = buf + p->argv[i].off;
    p->state = ST_START;
    p->pos = 0;
    return (ssize_t)end;
}

/* What separates inline arguments, as redis's sdssplitargs() sees it:
 * between arguments any isspace() byte is skipped, but an unquoted
 * argument ends only at a space, tab, CR or LF (so "a\vb" is one argument,
 * and a VT or FF before it is skipped). */
static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int ends_word(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#define E_QUOTES "Protocol error: unbalanced quotes in request"

/* Unquotes the argument that starts at line[*i] (not a space) into out, as
 * sdssplitargs() does: outside quotes bytes are copied up to a space, tab
 * or CR; "..." copies what is inside, with \n \r \t \b \a \xHH and \<any
 * other byte> escapes; '...' copies what is inside, with only \' as an
 * escape; quoted and unquoted parts may follow each other ("a"b is ab),
 * but a closing quote must be followed by a space or the end of the line.
 * Stores the argument's length in *outlen and moves *i past it. Returns 0,
 * or -1 for an unbalanced quote. */
static int unquote(const char *line, size_t n, size_t *i, char *out, size_t *outlen)
{
    size_t k = *i, o = 0;
    char q = 0; /* the quote we are inside, or 0 */

    for (;;) {
        if (k == n) {
            if (q)
                return -1; /* unterminated quotes */
            break;
        }
        char c = line[k];
        if (!q) {
            if (ends_word(c))
                break;
            if (c == '"' || c == '\'') {
                q = c;
                k++;
                continue;
            }
            out[o++] = c;
            k++;
        } else if (c == q) {
            /* The closing quote must end the argument. */
            if (k + 1 < n && !is_space(line[k + 1]))
                return -1;
            k++;
            break;
        } else if (c == '\\' && k + 1 < n && q == '\'') {
            if (line[k + 1] == '\'') {
                out[o++] = '\'';
                k += 2;
            } else {
                out[o++] = c;
                k++;
            }
        } else if (c == '\\' && k + 1 < n) {
            int hi = k + 3 < n ? hex_value(line[k + 2]) : -1;
            int lo = k + 3 < n ? hex_value(line[k + 3]) : -1;
            if (line[k + 1] == 'x' && hi >= 0 && lo >= 0) {
                out[o++] = (char)(hi * 16 + lo);
                k += 4;
                continue;
            }
            switch (line[k + 1]) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: c = line[k + 1]; break;
            }
            out[o++] = c;
            k += 2;
        } else {
            out[o++] = c;
            k++;
        }
    }
    *i = k;
    *outlen = o;
    return 0;
}

/* Splits the complete inline line buf[0..end) (its LF at end). An argument
 * without quotes is a span of buf; one with quotes is unquoted into the
 * parser's own storage (ibuf, sized once per line: unquoting never makes
 * an argument longer), and has off RESP_OFF_NONE. */
static ssize_t finish_inline(struct resp_parser *p, const char *buf, size_t end)
{
    size_t n = end;
    int quoted = 0;
    size_t used = 0; /* bytes of ibuf taken */

    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (memchr(buf, '"', n) || memchr(buf, '\'', n)) {
        quoted = 1;
        if (p->icap < n) {
            char *ib = realloc(p->ibuf, n);
            if (!ib)
                return -ENOMEM; /* the next call splits the line again */
            p->ibuf = ib;
            p->icap = n;
        }
    }
    for (size_t i = 0; i < n;) {
        if (is_space(buf[i])) {
            i++;
            continue;
        }
        size_t start = i, len = 0;
        int plain = 1;
        if (quoted) {
            /* Plain unless a quote shows up before the argument ends. */
            size_t k = i;
            while (k < n && !ends_word(buf[k]) && buf[k] != '"' && buf[k] != '\'')
                k++;
            plain = k == n || ends_word(buf[k]);
        }
        if (plain) {
            while (i < n && !ends_word(buf[i]))
                i++;
            len = i - start;
        } else if (unquote(buf, n, &i, p->ibuf + used, &len) < 0) {
            return fail(p, E_QUOTES);
        }
        if (p->argc == p->lim->max_args)
            return fail(p, "Protocol error: too big inline request");
        /* An inline line is at most max_inline bytes, so at most half as
         * many arguments: size the array once. */
        int rc = push_arg(p, plain ? start : RESP_OFF_NONE, len, n / 2 + 1);
        if (rc < 0) {
            p->argc = 0; /* the next call splits the line again */
            return rc;
        }
        if (!plain) {
            p->argv[p->argc - 1].p = p->ibuf + used;
            used += len;
        }
    }
    return done(p, buf, end + 1);
}

ssize_t resp_parse(struct resp_parser *p, const char *buf, size_t len)
{
    const struct resp_limits *lim = p->lim;
    size_t at;
    long long ll;

    for (;;) {
        switch (p->state) {
        case ST_START:
            if (len == 0)
                return -2;
            p->argc = 0;
            p->error = NULL;
            p->pos = 0;
            if (buf[0] == '*') {
                p->is_inline = 0;
                p->line = 0;
                p->pos = 1;
                p->state = ST_COUNT;
            } else {
                p->is_inline = 1;
                p->state = ST_INLINE;
            }
            break;

        case ST_INLINE:
            /* The limit is on the bytes before LF whether or not the LF has
             * arrived, so the answer does not depend on the split. */
            at = find(p, buf, len, '\n');
            if (at == (size_t)-1 ? len > lim->max_inline : at > lim->max_inline)
                return fail(p, "Protocol error: too big inline request");
            if (at == (size_t)-1)
                return -2;
            return finish_inline(p, buf, at);

        case ST_COUNT:
        case ST_BULKLEN: {
            int count = p->state == ST_COUNT;
            at = find(p, buf, len, '\r');
            size_t linelen = (at == (size_t)-1 ? len : at) - p->line;
            if (linelen > lim->max_inline)
                return fail(p, count ? "Protocol error: too big mbulk count string"
                                     : "Protocol error: too big bulk count string");
            /* The line is complete once the byte after its CR is there. */
            if (at == (size_t)-1 || at + 1 >= len)
                return -2;
            if (count) {
                if (!resp_parse_ll(buf + 1, at - 1, &ll) || (ll > 0 && (size_t)ll > lim->max_args))
                    return fail(p, "Protocol error: invalid multibulk length");
                if (ll <= 0) /* redis ignores an empty or negative count */
                    return done(p, buf, at + 2);
                p->nargs = (size_t)ll;
            } else {
                char c = buf[p->line];
                if (c != '$') {
                    snprintf(p->errbuf, sizeof(p->errbuf), "Protocol error: expected '$', got '%c'",
                             c == '\r' || c == '\n' ? ' ' : c);
                    return fail(p, p->errbuf);
                }
                if (!resp_parse_ll(buf + p->line + 1, at - p->line - 1, &ll) || ll < 0 ||
                    (unsigned long long)ll > lim->max_bulk)
                    return fail(p, "Protocol error: invalid bulk length");
                p->bulklen = (size_t)ll;
            }
            p->pos = at + 2;
            p->line = p->pos;
            p->state = count ? ST_BULKLEN : ST_BULK;
            break;
        }

        case ST_BULK: {
            if (len < p->pos || len - p->pos < p->bulklen + 2)
                return -2;
            int rc = push_arg(p, p->pos, p->bulklen, p->nargs);
            if (rc < 0)
                return rc;
            p->pos += p->bulklen + 2; /* like redis, the CRLF is not checked */
            if (p->argc == p->nargs)
                return done(p, buf, p->pos);
            p->line = p->pos;
            p->state = ST_BULKLEN;
            break;
        }

        default:
            return -1;
        }
    }
}
