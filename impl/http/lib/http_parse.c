/* HTTP/1.1 request parser (RFC 9112), response-head parser (for the
 * proxy), chunked body decoder and percent decoder. See http_parse.h for
 * the contract. Requests and responses differ in their first line and in
 * what their fields mean; the field section itself (syntax, limits, what
 * Content-Length, Transfer-Encoding and Connection say) is parsed by the
 * same code, field_section(), so a proxy refuses from its upstream exactly
 * what its server side refuses from clients.
 *
 * How a call works. The parser keeps no state between calls: everything is
 * recomputed from the buffer, and prev_len says which bytes are new.
 *   1. Skip the empty lines a client may send before a request (§2.2).
 *   2. A first call (prev_len == 0) parses at once: the whole head is
 *      usually there. A later call first looks for the empty line that ends
 *      the head in the new bytes only, and parses only once it is there.
 *   3. Parsing checks the head in one pass, in this order: request line
 *      (400, 414, 505), limits of the field section (431), field syntax
 *      (400), then what the fields mean (Host, framing: 400, 501).
 *   4. Head not ended: return -2 unless something already seen is certainly
 *      wrong: a request line that is malformed or too long so far, or a
 *      field section already past a limit. Those checks cost O(len), so
 *      they run only when the buffer has doubled in size since the last
 *      call (linear in total, like a growable array) or when a cheap check
 *      says a limit is exceeded.
 * Only errors that are certain from the bytes seen are reported early, and
 * they are reported in the same order as step 3 would find them, so a head
 * fed a byte at a time gets exactly the answer it gets when fed whole.
 */
#include "http_parse.h"

#include <stdint.h>
#include <string.h>

/* Byte classes. The C library's ctype functions depend on the locale; HTTP
 * is ASCII whatever the locale, so one table answers every question with
 * one load per byte. */
enum {
    C_TOKEN = 1,  /* tchar (RFC 9110 §5.6.2): method, field name */
    C_TARGET = 2, /* accepted in a request-target: visible ASCII and obs-text */
    C_VALUE = 4,  /* field-vchar, SP, HTAB (RFC 9110 §5.5) */
    C_HOST = 8,   /* reg-name, IP-literal, port (RFC 3986 §3.2.2): no '@', '/' */
};

#define TK (C_TOKEN | C_TARGET | C_VALUE)
#define VI (C_TARGET | C_VALUE)
#define HO C_HOST

static const unsigned char cls[256] = {
    ['\t'] = C_VALUE,
    [' '] = C_VALUE,
    ['!'] = TK | HO,
    ['"'] = VI,
    ['#'] = TK,
    ['$'] = TK | HO,
    ['%'] = TK | HO,
    ['&'] = TK | HO,
    ['\''] = TK | HO,
    ['('] = VI | HO,
    [')'] = VI | HO,
    ['*'] = TK | HO,
    ['+'] = TK | HO,
    [','] = VI | HO,
    ['-'] = TK | HO,
    ['.'] = TK | HO,
    ['/'] = VI,
    ['0' ... '9'] = TK | HO,
    [':'] = VI | HO,
    [';'] = VI | HO,
    ['<'] = VI,
    ['='] = VI | HO,
    ['>'] = VI,
    ['?'] = VI,
    ['@'] = VI,
    ['A' ... 'Z'] = TK | HO,
    ['['] = VI | HO,
    ['\\'] = VI,
    [']'] = VI | HO,
    ['^'] = TK,
    ['_'] = TK | HO,
    ['`'] = TK,
    ['a' ... 'z'] = TK | HO,
    ['{'] = VI,
    ['|'] = TK,
    ['}'] = VI,
    ['~'] = TK | HO,
    [0x80 ... 0xff] = VI,
};

/* Empty lines accepted before a request line (RFC 9112 §2.2 asks for at
 * least one); more bytes of them than this is not a client being robust. */
#define LEADING_MAX 32

/* Longest chunk-size or trailer line (http_chunked_decode). */
#define CHUNK_LINE_MAX 4096
/* Bytes of framing (size lines, extensions, CRLFs, trailers) a body may carry
 * beyond CHUNK_FRAMING_PER_BYTE per data byte. Without a bound on the whole,
 * a client could keep a worker reading forever (trailers that never end) or
 * send gigabytes of extensions around a tiny body. 1-byte chunks need 5 bytes
 * of framing each ("1\r\n" and "\r\n"), so 8 per byte never refuses a body
 * that is merely finely cut. */
#define CHUNK_FRAMING_BASE 65536
#define CHUNK_FRAMING_PER_BYTE 8

/* The limits as the parser applies them. */
struct lim {
    size_t rl;   /* request line content */
    size_t fl;   /* field line content */
    size_t head; /* request line + fields + line ends */
    unsigned nh; /* field lines */
};

const struct http_limits http_reference_limits = {8192, 8192, 65536, 100};

static void limits_get(const struct http_limits *l, struct lim *o)
{
    if (l == NULL)
        l = &http_reference_limits;
    /* The head, with the empty lines skipped before it, must fit the int
     * we return. */
    size_t most = INT32_MAX - LEADING_MAX;
    o->head = l->max_head < most ? l->max_head : most;
    /* A request line can never be longer than the head minus its line end;
     * capping it here means a long request line is always reported as 414,
     * before the head limit could call it 431. */
    o->rl = l->max_request_line;
    if (o->head < 2)
        o->rl = 0;
    else if (o->rl > o->head - 2)
        o->rl = o->head - 2;
    o->fl = l->max_field_line < o->head ? l->max_field_line : o->head;
    o->nh = l->max_headers < HTTP_MAX_HEADERS ? l->max_headers : HTTP_MAX_HEADERS;
}

static int fail(struct http_request *req, int status)
{
    req->status = status;
    return -1;
}

/* ASCII case-insensitive comparison of p[0..n) with a literal of lowercase
 * letters and bytes 0x20-0x3f ("-", digits, ":", "/"). Folding with | 0x20
 * is exact here: besides A-Z, the only bytes it maps onto those are control
 * characters, and tokens, targets and checked field values have none. */
static int token_is(const char *p, size_t n, const char *lit, size_t litn)
{
    if (n != litn)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lit[i])
            return 0;
    return 1;
}

#define TOKEN_IS(p, n, lit) token_is((p), (n), (lit), sizeof(lit) - 1)

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static enum http_method method_of(const char *p, size_t n)
{
    switch (n) {
    case 3:
        if (memcmp(p, "GET", 3) == 0)
            return HTTP_GET;
        if (memcmp(p, "PUT", 3) == 0)
            return HTTP_PUT;
        break;
    case 4:
        if (memcmp(p, "HEAD", 4) == 0)
            return HTTP_HEAD;
        if (memcmp(p, "POST", 4) == 0)
            return HTTP_POST;
        break;
    case 5:
        if (memcmp(p, "PATCH", 5) == 0)
            return HTTP_PATCH;
        if (memcmp(p, "TRACE", 5) == 0)
            return HTTP_TRACE;
        break;
    case 6:
        if (memcmp(p, "DELETE", 6) == 0)
            return HTTP_DELETE;
        break;
    case 7:
        if (memcmp(p, "OPTIONS", 7) == 0)
            return HTTP_OPTIONS;
        if (memcmp(p, "CONNECT", 7) == 0)
            return HTTP_CONNECT;
        break;
    }
    return HTTP_OTHER;
}

/* A host[:port] as in a Host field or an authority: no userinfo (RFC 9110
 * §4.2.4 treats it as an error), no path. */
static int host_ok(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(cls[(unsigned char)p[i]] & C_HOST))
            return 0;
    return 1;
}

/* authority-form (CONNECT only, RFC 9112 §3.2.3): host ":" port. */
static int authority_form_ok(const char *p, size_t n)
{
    const char *colon = memrchr(p, ':', n);

    if (colon == NULL || colon == p || colon == p + n - 1 || !host_ok(p, n))
        return 0;
    for (const char *d = colon + 1; d < p + n; d++)
        if (*d < '0' || *d > '9')
            return 0;
    return 1;
}

static void split_query(struct http_request *req, const char *p, size_t n)
{
    const char *q = memchr(p, '?', n);

    req->path.p = p;
    req->path.n = q ? (size_t)(q - p) : n;
    req->query.p = q ? q + 1 : p + n;
    req->query.n = q ? n - (size_t)(q + 1 - p) : 0;
}

/* Splits the request-target into path and query and checks that its form
 * fits the method (RFC 9112 §3.2). Absolute-form sets req->host to its
 * authority, which takes the place of the Host field (§3.2.2). */
static int split_target(struct http_request *req)
{
    const char *p = req->target.p;
    size_t n = req->target.n;

    req->host.p = p;
    req->host.n = 0;
    if (req->method == HTTP_CONNECT) {
        if (!authority_form_ok(p, n))
            return -1;
        req->host.n = n;
        req->path.p = p;
        req->path.n = 0;
        req->query.p = p + n;
        req->query.n = 0;
        return 0;
    }
    if (p[0] == '/') {
        split_query(req, p, n);
        return 0;
    }
    if (n == 1 && p[0] == '*') {
        if (req->method != HTTP_OPTIONS)
            return -1;
        req->path = req->target;
        req->query.p = p + n;
        req->query.n = 0;
        return 0;
    }

    /* absolute-form: only the schemes an HTTP server answers for. */
    size_t s;
    if (n > 7 && token_is(p, 7, "http://", 7))
        s = 7;
    else if (n > 8 && token_is(p, 8, "https://", 8))
        s = 8;
    else
        return -1;
    size_t a = s;
    while (a < n && p[a] != '/' && p[a] != '?')
        a++;
    if (a == s || !host_ok(p + s, a - s))
        return -1;
    req->host.p = p + s;
    req->host.n = a - s;
    split_query(req, p + a, n - a);
    if (req->path.n == 0) { /* "http://h" and "http://h?q" mean the path "/" */
        req->path.p = "/";
        req->path.n = 1;
    }
    return 0;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Are the n bytes at v a prefix of "HTTP/" DIGIT "." DIGIT? */
static int version_prefix_ok(const unsigned char *v, size_t n)
{
    static const char proto[] = "HTTP/0.0";

    if (n >= 8) /* the usual case, in a few instructions */
        return memcmp(v, proto, 5) == 0 && is_digit(v[5]) && v[6] == '.' && is_digit(v[7]);
    for (size_t k = 0; k < n; k++)
        if (k == 5 || k == 7 ? !is_digit(v[k]) : v[k] != (unsigned char)proto[k])
            return 0;
    return 1;
}

/* Checks the content of a request line, buf[s..e). complete: the line ends
 * at e; otherwise more bytes may follow. Every error is reported at the
 * byte that makes it certain, so a prefix of a line gets the same answer
 * the whole line would. Returns 0 (complete and valid), -2 (nothing wrong
 * so far) or -1 with req->status set. */
static int scan_request_line(const char *buf, size_t s, size_t e, int complete,
                             struct http_request *req)
{
    const unsigned char *u = (const unsigned char *)buf;
    size_t i = s;

    while (i < e && (cls[u[i]] & C_TOKEN))
        i++;
    if (i == e)
        return complete ? fail(req, 400) : -2;
    if (u[i] != ' ' || i == s)
        return fail(req, 400);
    req->method_str.p = buf + s;
    req->method_str.n = i - s;
    req->method = method_of(buf + s, i - s);

    size_t t = ++i;
    while (i < e && (cls[u[i]] & C_TARGET))
        i++;
    if (i == e)
        return complete ? fail(req, 400) : -2; /* no version: HTTP/0.9 */
    if (u[i] != ' ' || i == t)
        return fail(req, 400);
    req->target.p = buf + t;
    req->target.n = i - t;
    if (split_target(req) < 0)
        return fail(req, 400);

    /* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3). */
    size_t v = ++i, n = e - v;
    if (n > 8 || !version_prefix_ok(u + v, n))
        return fail(req, 400);
    if (n < 8 || !complete)
        return complete ? fail(req, 400) : -2;
    if (u[v + 5] != '1' || (u[v + 7] != '0' && u[v + 7] != '1'))
        return fail(req, 505);
    req->minor = u[v + 7] - '0';
    return 0;
}

/* Finds and checks the request line that starts at buf[fs], of which
 * buf[fs..len) has arrived. Returns the offset just past its LF, -2 when it
 * is incomplete with nothing wrong so far, or -1 with req->status set. */
static long request_line(const char *buf, size_t fs, size_t len, const struct lim *lim,
                         struct http_request *req)
{
    size_t avail = len - fs;
    size_t window = avail < lim->rl + 2 ? avail : lim->rl + 2;
    const char *lf = memchr(buf + fs, '\n', window);
    size_t ce = lf ? (size_t)(lf - buf) : len; /* end of the content seen */

    /* A CR right before LF ends the line; a CR at the very end of what
     * arrived may still turn out to do so. */
    if (ce > fs && buf[ce - 1] == '\r')
        ce--;
    if (ce - fs > lim->rl) {
        /* Too long, unless a syntax error comes first. When the window held
         * no LF, ce - fs >= rl + 1 whatever follows. */
        if (scan_request_line(buf, fs, fs + lim->rl, 0, req) == -1)
            return -1;
        return fail(req, 414);
    }
    int r = scan_request_line(buf, fs, ce, lf != NULL, req);
    if (r < 0)
        return r;
    return (long)(lf - buf) + 1;
}

/* Skips CRLF or LF lines before the request line. Returns 0 with *fs the
 * offset of the request line's first byte, -2 when only such bytes have
 * arrived, -1 (400) on a bare CR or too many of them. */
static int skip_empty_lines(const char *buf, size_t len, size_t *fs, struct http_request *req)
{
    size_t i = 0;

    while (i < len && (buf[i] == '\r' || buf[i] == '\n')) {
        if (i >= LEADING_MAX)
            return fail(req, 400);
        if (buf[i] == '\r') {
            if (i + 1 == len)
                return -2;
            if (buf[i + 1] != '\n')
                return fail(req, 400);
            i++;
        }
        i++;
    }
    if (i == len)
        return -2;
    *fs = i;
    return 0;
}

/* Searches buf[from..len) for the LF that ends an empty line. buf[from - 1]
 * and buf[from - 2] may be looked at: from > fs, and buf[fs] is neither CR
 * nor LF, so an empty line found this way is never one of the skipped ones.
 * Returns the offset after that LF, or 0. */
static size_t find_head_end(const char *buf, size_t from, size_t len)
{
    const char *p = buf + from, *end = buf + len;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (p[-1] == '\n' || (p[-1] == '\r' && p[-2] == '\n'))
            return (size_t)(p - buf) + 1;
        p++;
    }
    return 0;
}

/* Measures the field lines of an incomplete head, buf[i..len) (the head
 * started at buf[fs]), against the limits. Returns 1 when a limit is
 * already exceeded, else 0. Shared by requests and responses. */
static int fields_prefix_too_big(const char *buf, size_t fs, size_t i, size_t len,
                                 const struct lim *lim)
{
    size_t ce;
    unsigned count = 0;
    const char *lf;

    while ((lf = memchr(buf + i, '\n', len - i)) != NULL) {
        ce = (size_t)(lf - buf);
        if (ce > i && buf[ce - 1] == '\r')
            ce--;
        if (ce - i > lim->fl || ++count > lim->nh)
            return 1;
        i = (size_t)(lf - buf) + 1;
    }
    /* The line still arriving counts once a byte of it is certain. */
    ce = len;
    if (ce > i && buf[ce - 1] == '\r')
        ce--;
    if (ce > i && (ce - i > lim->fl || ++count > lim->nh))
        return 1;
    /* The head will end with an LF that has not arrived yet. */
    return len - fs >= lim->head;
}

/* Checks an incomplete head, buf[fs..len): the request line as far as it
 * goes, then the limits of the field lines seen so far. Field syntax waits
 * for the whole head, so the order of the answers is the same as in
 * parse_head(). Returns -2 or -1 with req->status set. */
static int check_prefix(const char *buf, size_t fs, size_t len, const struct lim *lim,
                        struct http_request *req)
{
    long r = request_line(buf, fs, len, lim, req);
    if (r < 0)
        return (int)r;
    if (fields_prefix_too_big(buf, fs, (size_t)r, len, lim))
        return fail(req, 431);
    return -2;
}

/* Cheap test run on every incomplete call: is the line still arriving
 * already past its limit? Looks back at most one line limit. */
static int last_line_too_long(const char *buf, size_t fs, size_t len, const struct lim *lim)
{
    size_t window = (lim->rl > lim->fl ? lim->rl : lim->fl) + 2;
    size_t lo = len - fs > window ? len - window : fs;
    const char *lf = memrchr(buf + lo, '\n', len - lo);
    size_t start = lf ? (size_t)(lf - buf) + 1 : fs;
    size_t ce = len;

    if (lf == NULL && lo > fs)
        return 1; /* a whole window without a line end */
    if (ce > start && buf[ce - 1] == '\r')
        ce--;
    return ce - start > (lf ? lim->fl : lim->rl);
}

static unsigned log2_floor(size_t x)
{
    return x ? (unsigned)(8 * sizeof(unsigned long long) - 1) - (unsigned)__builtin_clzll(x) : 0;
}

/* What the fields say, gathered while parsing them. */
struct fields {
    unsigned hosts;
    struct http_str host;
    int cl_seen, cl_bad;
    uint64_t cl;
    int te_seen, te_chunked, te_other;
    int conn_close, conn_keep_alive;
    /* Request only (a response never sets them). */
    int expect_continue, ims_seen;
    struct http_str range, ims;
};

/* Calls fn on each element of a comma-separated list (RFC 9110 §5.6.1),
 * OWS trimmed, empty elements skipped. */
static void list_each(const char *p, size_t n, void (*fn)(const char *, size_t, void *), void *arg)
{
    size_t i = 0;

    while (i < n) {
        const char *comma = memchr(p + i, ',', n - i);
        size_t e = comma ? (size_t)(comma - p) : n, s = i;
        i = e + 1;
        while (s < e && is_ows(p[s]))
            s++;
        while (e > s && is_ows(p[e - 1]))
            e--;
        if (e > s)
            fn(p + s, e - s, arg);
    }
}

static void te_element(const char *p, size_t n, void *arg)
{
    struct fields *f = arg;

    if (TOKEN_IS(p, n, "chunked"))
        f->te_chunked++;
    else
        f->te_other = 1;
}

static void connection_element(const char *p, size_t n, void *arg)
{
    struct fields *f = arg;

    if (TOKEN_IS(p, n, "close"))
        f->conn_close = 1;
    else if (TOKEN_IS(p, n, "keep-alive"))
        f->conn_keep_alive = 1;
}

/* Content-Length = 1*DIGIT (RFC 9112 §6.3 item 5). RFC 9110 §8.6 lets a
 * recipient either reject or merge a list of identical values ("5, 5") or
 * repeated fields; like nginx, and as specs/http.md asks (HTTP-014), we
 * reject them: two readers of one message must never disagree on its
 * length. OWS around the value is not part of it (RFC 9112 §5). */
static void content_length(struct fields *f, const char *p, size_t n)
{
    uint64_t v = 0;

    if (n == 0 || f->cl_seen)
        f->cl_bad = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned digit = (unsigned)(p[i] - '0');
        /* A digit, and a value an off_t can hold. */
        if (digit > 9 || v > ((uint64_t)INT64_MAX - digit) / 10) {
            f->cl_bad = 1;
            break;
        }
        v = v * 10 + digit;
    }
    f->cl = v;
    f->cl_seen = 1;
}

/* Records what a field we care about says. Names are matched by length
 * first, so most fields cost one switch. */
static void note_field(struct fields *f, const struct http_header *h)
{
    const char *n = h->name.p, *v = h->value.p;
    size_t nn = h->name.n, vn = h->value.n;

    switch (nn) {
    case 4:
        if (TOKEN_IS(n, nn, "host")) {
            if (f->hosts++ == 0)
                f->host = h->value;
        }
        break;
    case 5:
        if (TOKEN_IS(n, nn, "range"))
            f->range = h->value;
        break;
    case 6:
        if (TOKEN_IS(n, nn, "expect") && TOKEN_IS(v, vn, "100-continue"))
            f->expect_continue = 1;
        break;
    case 10:
        if (TOKEN_IS(n, nn, "connection"))
            list_each(v, vn, connection_element, f);
        break;
    case 14:
        if (TOKEN_IS(n, nn, "content-length"))
            content_length(f, v, vn);
        break;
    case 17:
        if (TOKEN_IS(n, nn, "transfer-encoding")) {
            f->te_seen = 1;
            list_each(v, vn, te_element, f);
        } else if (TOKEN_IS(n, nn, "if-modified-since")) {
            f->ims_seen = 1;
            f->ims = h->value;
        }
        break;
    }
}

/* Skips field-value bytes from u[k] on and returns the offset of the first
 * byte that is not one (the line's CR or LF, or an invalid byte). Values
 * are most of a head's bytes, so they are checked eight at a time: a word
 * needs a closer look only when one of its bytes is below 0x20 (a control
 * character, or the HTAB that is allowed) or is DEL. Bytes of 0x80 and up
 * (obs-text) are allowed and never flagged. */
static size_t skip_value(const unsigned char *u, size_t k, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

    while (len - k >= 8) {
        uint64_t x, del;
        memcpy(&x, u + k, 8);
        del = x ^ (ones * 0x7f);
        /* (b - n) & ~b & 0x80 is set for a byte b < n (and b < 0x80): the
         * classic "has a byte less than n" test. DEL is the zero of del. */
        if (((x - ones * 0x20) & ~x & highs) | ((del - ones) & ~del & highs))
            break;
        k += 8;
    }
    while (k < len && (cls[u[k]] & C_VALUE))
        k++;
    return k;
}

/* After a syntax error: finds the LF that ends the line anyway, so that the
 * lines after it can still be measured against the limits. */
static int skip_line(const char *buf, size_t from, size_t len, size_t *lf)
{
    const char *p = memchr(buf + from, '\n', len - from);

    if (p == NULL)
        return -2;
    *lf = (size_t)(p - buf);
    return -1;
}

/* Parses the field line that starts at buf[s], with what has arrived up to
 * buf[len] (RFC 9112 §5): token ":" OWS value OWS, then CRLF or LF, into
 * *h. A line starting with whitespace (obs-fold, or whitespace before the
 * first field) has no name, and whitespace before the colon is not a token
 * character: both are syntax errors. The value is checked on the way to the
 * line end, so each byte is looked at once. Returns 0 with *lf the offset
 * of the line's LF, -1 on a syntax error (*lf still set), -2 when the line
 * has not ended. */
static int parse_field(const char *buf, size_t s, size_t len, struct http_header *h,
                       struct fields *f, size_t *lf)
{
    const unsigned char *u = (const unsigned char *)buf;
    size_t j = s;

    while (j < len && (cls[u[j]] & C_TOKEN))
        j++;
    if (j == len)
        return -2;
    if (j == s || u[j] != ':')
        return skip_line(buf, j, len, lf);
    size_t v = j + 1;
    while (v < len && is_ows(buf[v]))
        v++;
    size_t k = skip_value(u, v, len);
    if (k == len || (u[k] == '\r' && k + 1 == len))
        return -2;
    if (u[k] == '\n')
        *lf = k;
    else if (u[k] == '\r' && u[k + 1] == '\n')
        *lf = k + 1;
    else
        return skip_line(buf, k, len, lf); /* a CTL: NUL, a bare CR, DEL... */
    size_t ve = k;
    while (ve > v && is_ows(buf[ve - 1]))
        ve--;

    h->name.p = buf + s;
    h->name.n = j - s;
    h->value.p = buf + v;
    h->value.n = ve - v;
    note_field(f, h);
    return 0;
}

/* Parses the field section that starts at buf[i] (after the start line),
 * with what has arrived up to buf[len], into hs[0..*nh) and *f. One pass
 * over the field lines: a limit is reported at once (431 wins over any
 * syntax error, as it does when the head arrives in pieces), a syntax error
 * only after every line was measured. Returns 1 with *end the offset after
 * the empty line, 0 when the section has not ended, -431 past a limit of
 * lim (the head limit is the caller's, which knows where the head began),
 * or -400 for a syntax error. Requests and responses share it, so both
 * directions refuse the same things (obs-fold, bare CR, space before the
 * colon). */
static int field_section(const char *buf, size_t i, size_t len, const struct lim *lim,
                         struct http_header *hs, unsigned *nh, struct fields *f, size_t *end)
{
    size_t lf;
    unsigned count = 0;
    int bad_syntax = 0;

    *nh = 0;
    for (;;) {
        if (i == len)
            return 0;
        if (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
            break; /* the empty line */
        if (buf[i] == '\r' && i + 1 == len)
            return 0;
        /* A field line: it counts from its first byte on. */
        if (++count > lim->nh)
            return -431;
        int pr =
            bad_syntax ? skip_line(buf, i, len, &lf) : parse_field(buf, i, len, &hs[*nh], f, &lf);
        if (pr == -2)
            return 0;
        size_t ce = lf > i && buf[lf - 1] == '\r' ? lf - 1 : lf;
        if (ce - i > lim->fl)
            return -431;
        if (pr == -1)
            bad_syntax = 1;
        else
            (*nh)++;
        i = lf + 1;
    }
    *end = i + (buf[i] == '\r' ? 2 : 1);
    return bad_syntax ? -400 : 1;
}

static void reset(struct http_request *req)
{
    req->nheaders = 0;
    req->minor = 1;
    req->host.p = NULL;
    req->host.n = 0;
    req->keep_alive = 0;
    req->body = HTTP_BODY_NONE;
    req->content_length = 0;
    req->expect_continue = 0;
    req->if_modified_since = 0;
    req->ims.p = NULL;
    req->ims.n = 0;
    req->range.p = NULL;
    req->range.n = 0;
    req->status = 0;
}

/* Parses the head that starts at buf[fs], up to buf[len]. Returns its end
 * (the offset after the empty line), -1 with req->status set, or 0 when
 * the head has not ended within buf[0..len). */
static int parse_head(const char *buf, size_t fs, size_t len, const struct lim *lim,
                      struct http_request *req)
{
    reset(req);
    long r = request_line(buf, fs, len, lim, req);
    if (r < 0)
        return r == -2 ? 0 : -1;
    int host_in_target = req->host.n > 0;

    struct fields f = {0};
    size_t end;
    int fr = field_section(buf, (size_t)r, len, lim, req->headers, &req->nheaders, &f, &end);
    if (fr == 0)
        return 0;
    if (fr == -431 || end - fs > lim->head)
        return fail(req, 431);
    if (fr == -400)
        return fail(req, 400);
    req->range = f.range;
    req->expect_continue = f.expect_continue;
    req->if_modified_since = f.ims_seen;
    req->ims = f.ims;

    /* Host (RFC 9112 §3.2): exactly one in HTTP/1.1, at most one in 1.0. */
    if (f.hosts > 1 || (f.hosts == 0 && req->minor == 1) || !host_ok(f.host.p, f.host.n))
        return fail(req, 400);
    if (!host_in_target)
        req->host = f.host;

    /* Framing (RFC 9112 §6). */
    if (f.cl_bad)
        return fail(req, 400);
    if (f.te_seen) {
        if (req->minor == 0)
            return fail(req, 400); /* §6.1: an HTTP/1.0 framing is faulty */
        if (f.te_other)
            return fail(req, 501); /* a coding we do not implement */
        if (f.te_chunked != 1 || f.cl_seen)
            return fail(req, 400); /* chunked twice or none; or with CL (§6.3) */
        req->body = HTTP_BODY_CHUNKED;
    } else if (f.cl_seen && f.cl > 0) {
        req->body = HTTP_BODY_LENGTH;
        req->content_length = f.cl;
    }

    /* Persistence (RFC 9112 §9.3) and expectations (RFC 9110 §10.1.1:
     * a 100-continue in an HTTP/1.0 request is ignored). */
    if (req->minor == 1) {
        req->keep_alive = !f.conn_close;
    } else {
        req->keep_alive = f.conn_keep_alive && !f.conn_close;
        req->expect_continue = 0;
    }
    return (int)end;
}

int http_parse_request(const char *buf, size_t len, size_t prev_len,
                       const struct http_limits *limits, struct http_request *req)
{
    struct lim lim;
    size_t fs;

    limits_get(limits, &lim);
    int r = skip_empty_lines(buf, len, &fs, req);
    if (r != 0)
        return r;

    if (prev_len == 0) {
        /* Usually the whole head is there: parse it in one pass. */
        r = parse_head(buf, fs, len, &lim, req);
        if (r != 0)
            return r;
    } else {
        /* Bytes before prev_len were searched by the earlier call; parse
         * only once the end has arrived. */
        size_t from = prev_len > fs + 1 ? prev_len : fs + 1;
        if (from < len && find_head_end(buf, from, len) > 0) {
            r = parse_head(buf, fs, len, &lim, req);
            if (r != 0)
                return r;
        }
    }

    if (prev_len == 0 || log2_floor(len) > log2_floor(prev_len) || len - fs >= lim.head ||
        last_line_too_long(buf, fs, len, &lim))
        return check_prefix(buf, fs, len, &lim, req);
    return -2;
}

/* ---- responses (RFC 9112 §4, §6.3) ---- */

static int resp_fail(struct http_response *res, const char *why)
{
    res->error = why;
    return -1;
}

/* Checks the content of a status line, buf[0..e): "HTTP/1." DIGIT SP
 * 3DIGIT [SP reason]. complete: the line ends at e. Like
 * scan_request_line(), it reports an error at the byte that makes it
 * certain. Returns 0, -2 (nothing wrong so far) or -1 with res->error. */
static int scan_status_line(const char *buf, size_t e, int complete, struct http_response *res)
{
    const unsigned char *u = (const unsigned char *)buf;

    if (!version_prefix_ok(u, e < 8 ? e : 8))
        return resp_fail(res, "malformed status line");
    if (e > 5 && u[5] != '1')
        return resp_fail(res, "not an HTTP/1.x response");
    if (e <= 8 || (e > 8 && u[8] == ' ' && e < 12)) {
        /* Not everything is there yet; what is there must be right. */
        for (size_t k = 9; k < e; k++)
            if (!is_digit(u[k]))
                return resp_fail(res, "malformed status code");
        if (e > 8 && u[8] != ' ')
            return resp_fail(res, "malformed status line");
        return complete ? resp_fail(res, "truncated status line") : -2;
    }
    if (u[8] != ' ' || !is_digit(u[9]) || !is_digit(u[10]) || !is_digit(u[11]))
        return resp_fail(res, "malformed status code");
    res->status = (u[9] - '0') * 100 + (u[10] - '0') * 10 + (u[11] - '0');
    if (res->status < 100 || res->status > 599)
        return resp_fail(res, "status code outside 100..599");
    /* reason-phrase = *( HTAB / SP / VCHAR / obs-text ); the space before
     * it is required by the grammar, but "HTTP/1.1 200" alone is common
     * enough that clients accept it. */
    size_t r = 12;
    if (r < e && u[r] != ' ')
        return resp_fail(res, "malformed status line");
    if (r < e)
        r++;
    for (size_t k = r; k < e; k++)
        if (!(cls[u[k]] & C_VALUE))
            return resp_fail(res, "control character in the reason phrase");
    if (!complete)
        return -2;
    res->minor = u[7] - '0';
    res->reason.p = buf + r;
    res->reason.n = e - r;
    return 0;
}

/* Finds and checks the status line at buf[0..len). Returns the offset
 * just past its LF, -2 when it is incomplete with nothing wrong so far, or
 * -1 with res->error set. */
static long status_line(const char *buf, size_t len, const struct lim *lim,
                        struct http_response *res)
{
    size_t window = len < lim->rl + 2 ? len : lim->rl + 2;
    const char *lf = memchr(buf, '\n', window);
    size_t ce = lf ? (size_t)(lf - buf) : len;

    if (ce > 0 && buf[ce - 1] == '\r')
        ce--;
    if (ce > lim->rl) {
        if (scan_status_line(buf, lim->rl, 0, res) == -1)
            return -1;
        return resp_fail(res, "status line too long");
    }
    int r = scan_status_line(buf, ce, lf != NULL, res);
    if (r < 0)
        return r;
    return (long)(lf - buf) + 1;
}

static void reset_response(struct http_response *res)
{
    res->minor = 1;
    res->status = 0;
    res->reason.p = NULL;
    res->reason.n = 0;
    res->nheaders = 0;
    res->keep_alive = 0;
    res->body = HTTP_BODY_NONE;
    res->has_content_length = 0;
    res->content_length = 0;
    res->chunked = 0;
    res->error = NULL;
}

/* Parses a whole response head at buf[0..len). Returns its end, -1 with
 * res->error set, or 0 when the head has not ended. */
static int parse_response_head(const char *buf, size_t len, const struct lim *lim, unsigned flags,
                               struct http_response *res)
{
    reset_response(res);
    long r = status_line(buf, len, lim, res);
    if (r < 0)
        return r == -2 ? 0 : -1;

    struct fields f = {0};
    size_t end;
    int fr = field_section(buf, (size_t)r, len, lim, res->headers, &res->nheaders, &f, &end);
    if (fr == 0)
        return 0;
    if (fr == -431 || end > lim->head)
        return resp_fail(res, "response head past the limits");
    if (fr == -400)
        return resp_fail(res, "malformed field line (obs-fold, bare CR, space before colon...)");

    /* Framing (RFC 9112 §6.3). A message that two readers could frame
     * differently is refused rather than guessed at: a proxy that guesses
     * is how response splitting and desynchronized pools happen. */
    if (f.cl_bad)
        return resp_fail(res, "invalid or repeated Content-Length");
    if (f.te_seen) {
        /* RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has
         * faulty framing (an HTTP/1.0 hop may have passed the field on
         * without knowing it), and §6.3 tells a proxy to answer 502. */
        if (res->minor == 0)
            return resp_fail(res, "Transfer-Encoding in an HTTP/1.0 response");
        if (f.te_other || f.te_chunked != 1)
            return resp_fail(res, "transfer coding other than one chunked");
        if (f.cl_seen)
            return resp_fail(res, "Content-Length with Transfer-Encoding");
        res->chunked = 1;
    }
    res->has_content_length = f.cl_seen;
    res->content_length = f.cl;
    res->keep_alive = res->minor >= 1 ? !f.conn_close : f.conn_keep_alive && !f.conn_close;

    if ((flags & HTTP_RESP_TO_HEAD) || res->status < 200 || res->status == 204 ||
        res->status == 304)
        res->body = HTTP_BODY_NONE;
    else if (res->chunked)
        res->body = HTTP_BODY_CHUNKED;
    else if (f.cl_seen)
        res->body = f.cl > 0 ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
    else {
        res->body = HTTP_BODY_CLOSE;
        res->keep_alive = 0;
    }
    return (int)end;
}

int http_parse_response(const char *buf, size_t len, size_t prev_len,
                        const struct http_limits *limits, unsigned flags, struct http_response *res)
{
    struct lim lim;
    int r;

    limits_get(limits, &lim);
    if (len == 0)
        return -2;
    if (buf[0] != 'H') /* also keeps find_head_end() inside the buffer */
        return resp_fail(res, "malformed status line");
    if (prev_len == 0) {
        r = parse_response_head(buf, len, &lim, flags, res);
        if (r != 0)
            return r;
    } else {
        size_t from = prev_len > 1 ? prev_len : 1;
        if (from < len && find_head_end(buf, from, len) > 0) {
            r = parse_response_head(buf, len, &lim, flags, res);
            if (r != 0)
                return r;
        }
    }
    if (prev_len == 0 || log2_floor(len) > log2_floor(prev_len) || len >= lim.head ||
        last_line_too_long(buf, 0, len, &lim)) {
        long sl = status_line(buf, len, &lim, res);
        if (sl < 0)
            return (int)sl;
        if (fields_prefix_too_big(buf, 0, (size_t)sl, len, &lim))
            return resp_fail(res, "response head past the limits");
    }
    return -2;
}

const struct http_header *http_find_response_header(const struct http_response *res,
                                                    const char *name)
{
    return http_find_field(res->headers, res->nheaders, name);
}

const struct http_header *http_find_header(const struct http_request *req, const char *name)
{
    return http_find_field(req->headers, req->nheaders, name);
}

const struct http_header *http_find_field(const struct http_header *hs, unsigned nh,
                                          const char *name)
{
    size_t n = strlen(name);

    for (unsigned i = 0; i < nh; i++) {
        const struct http_header *h = &hs[i];
        if (h->name.n != n)
            continue;
        size_t k = 0;
        while (k < n) {
            unsigned char a = (unsigned char)h->name.p[k], b = (unsigned char)name[k];
            if (a >= 'A' && a <= 'Z')
                a = (unsigned char)(a + 32);
            if (b >= 'A' && b <= 'Z')
                b = (unsigned char)(b + 32);
            if (a != b)
                break;
            k++;
        }
        if (k == n)
            return h;
    }
    return NULL;
}

/* ---- chunked bodies (RFC 9112 §7.1) ---- */

enum {
    CH_SIZE0,      /* first hex digit of a chunk size */
    CH_SIZE,       /* more hex digits */
    CH_SIZE_BWS,   /* whitespace after the size: ';' or the line end next */
    CH_EXT,        /* chunk extension: skipped */
    CH_SIZE_LF,    /* CR seen, LF next */
    CH_DATA,       /* chunk data */
    CH_DATA_CR,    /* line end after the data */
    CH_DATA_LF,    /* CR seen, LF next */
    CH_TRAILER0,   /* start of a trailer line, or of the final empty line */
    CH_TRAILER,    /* inside a trailer field line: skipped */
    CH_TRAILER_LF, /* CR seen in a trailer line, LF next */
    CH_END_LF,     /* CR of the final empty line seen, LF next */
    CH_DONE,
    CH_ERROR,
};

void http_chunked_init(struct http_chunked *c)
{
    c->state = CH_SIZE0;
    c->remaining = 0;
    c->line = 0;
    c->total = 0;
    c->framing = 0;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

ssize_t http_chunked_decode(struct http_chunked *c, char *buf, size_t *len)
{
    size_t r = 0, w = 0, n = *len;

    while (r < n) {
        if (c->state == CH_DATA) {
            /* The bulk of the work: one move per chunk piece. */
            size_t take = n - r;
            if (take > c->remaining)
                take = (size_t)c->remaining;
            memmove(buf + w, buf + r, take);
            w += take;
            r += take;
            c->remaining -= take;
            c->total += take;
            if (c->remaining == 0)
                c->state = CH_DATA_CR;
            continue;
        }

        unsigned char ch = (unsigned char)buf[r++];
        int h;
        if (++c->framing > CHUNK_FRAMING_BASE + CHUNK_FRAMING_PER_BYTE * c->total &&
            c->state != CH_DONE)
            goto bad;
        switch (c->state) {
        case CH_SIZE0:
        case CH_SIZE:
            h = hex_value(ch);
            if (h >= 0) {
                if (c->remaining > (UINT64_MAX >> 4))
                    goto bad; /* the size does not fit 64 bits */
                c->remaining = c->remaining << 4 | (unsigned)h;
                c->state = CH_SIZE;
                break;
            }
            if (c->state == CH_SIZE0)
                goto bad;
            /* The size ended: what may follow it. */
            /* fall through */
        case CH_SIZE_BWS:
            if (ch == ' ' || ch == '\t')
                c->state = CH_SIZE_BWS;
            else if (ch == ';')
                c->state = CH_EXT;
            else if (ch == '\r')
                c->state = CH_SIZE_LF;
            else if (ch == '\n')
                goto size_line_done;
            else
                goto bad;
            break;
        case CH_EXT:
            if (ch == '\r')
                c->state = CH_SIZE_LF;
            else if (ch == '\n')
                goto size_line_done;
            else if (!(cls[ch] & C_VALUE))
                goto bad;
            break;
        case CH_SIZE_LF:
            if (ch != '\n')
                goto bad;
        size_line_done:
            c->line = 0;
            c->state = c->remaining > 0 ? CH_DATA : CH_TRAILER0;
            continue;
        case CH_DATA_CR:
            if (ch == '\r')
                c->state = CH_DATA_LF;
            else if (ch == '\n')
                c->state = CH_SIZE0;
            else
                goto bad;
            continue;
        case CH_DATA_LF:
            if (ch != '\n')
                goto bad;
            c->state = CH_SIZE0;
            continue;
        case CH_TRAILER0:
            if (ch == '\r') {
                c->state = CH_END_LF;
                continue;
            }
            if (ch == '\n')
                goto done;
            c->state = CH_TRAILER;
            /* fall through */
        case CH_TRAILER:
            if (ch == '\r')
                c->state = CH_TRAILER_LF;
            else if (ch == '\n') {
                c->state = CH_TRAILER0;
                c->line = 0;
                continue;
            } else if (!(cls[ch] & C_VALUE))
                goto bad;
            break;
        case CH_TRAILER_LF:
            if (ch != '\n')
                goto bad;
            c->state = CH_TRAILER0;
            c->line = 0;
            continue;
        case CH_END_LF:
            if (ch != '\n')
                goto bad;
            goto done;
        case CH_DONE:
            r--; /* called again after the end: everything is the next request */
            goto done;
        default:
            goto bad;
        }
        /* Bytes of a size or trailer line, its line end excluded. */
        if (ch != '\r' && ++c->line > CHUNK_LINE_MAX)
            goto bad;
    }
    *len = w;
    return -2;

done:
    c->state = CH_DONE;
    memmove(buf + w, buf + r, n - r);
    *len = w;
    return (ssize_t)(n - r);
bad:
    c->state = CH_ERROR;
    *len = w;
    return -1;
}

/* ---- percent-decoding (RFC 3986 §2.1) ---- */

ssize_t http_percent_decode(const char *src, size_t n, char *dst, int plus_is_space, int allow_nul)
{
    size_t w = 0;

    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            int hi, lo;
            if (n - i < 3 || (hi = hex_value((unsigned char)src[i + 1])) < 0 ||
                (lo = hex_value((unsigned char)src[i + 2])) < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0' && !allow_nul)
            return -1;
        dst[w++] = c;
    }
    return (ssize_t)w;
}
