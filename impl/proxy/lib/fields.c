/* Hop-by-hop filtering and the fields a proxy adds. See fields.h. */
#include "fields.h"

#include <stdio.h>
#include <string.h>

#include "response.h"

/* ASCII case-insensitive equality of a[0..an) and b[0..bn). */
static int span_is(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* The same for p[0..n) and the NUL-terminated s. */
static int name_is(const char *p, size_t n, const char *s)
{
    return span_is(p, n, s, strlen(s));
}

int fields_is_hop(const char *name, size_t n)
{
    /* RFC 9110 §7.6.1 names Connection, Proxy-Connection, Keep-Alive, TE,
     * Transfer-Encoding and Upgrade; Trailer describes a chunked framing
     * this hop re-creates; the Proxy-Auth pair is addressed to a proxy
     * (RFC 9110 §11.7), not to the origin or the client. */
    static const char *const hop[] = {
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
        "proxy-authorization",
        "proxy-authenticate",
        "transfer-encoding",
    };

    for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
        if (name_is(name, n, hop[i]))
            return 1;
    return 0;
}

int fields_named_by_connection(const struct http_header *hs, unsigned nh, const char *name,
                               size_t n)
{
    for (unsigned i = 0; i < nh; i++) {
        if (!name_is(hs[i].name.p, hs[i].name.n, "connection"))
            continue;
        const char *p = hs[i].value.p;
        size_t len = hs[i].value.n, k = 0;
        while (k < len) {
            const char *comma = memchr(p + k, ',', len - k);
            size_t e = comma ? (size_t)(comma - p) : len, s = k;
            k = e + 1;
            while (s < e && (p[s] == ' ' || p[s] == '\t'))
                s++;
            while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
                e--;
            if (span_is(p + s, e - s, name, n))
                return 1;
        }
    }
    return 0;
}

int fields_forwardable(const struct http_header *hs, unsigned nh, unsigned i)
{
    const struct http_str *name = &hs[i].name;

    if (fields_is_hop(name->p, name->n))
        return 0;
    if (name_is(name->p, name->n, "content-length") || name_is(name->p, name->n, "host"))
        return 1;
    return !fields_named_by_connection(hs, nh, name->p, name->n);
}

/* Appending with one error check at the end: the first failure sticks and
 * later appends do nothing. */
struct wr {
    struct buf *b;
    int err;
};

static void put(struct wr *w, const char *p, size_t n)
{
    if (w->err == 0 && n > 0)
        w->err = buf_append(w->b, p, n);
}

static void puts_(struct wr *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_str(struct wr *w, struct http_str s)
{
    put(w, s.p, s.n);
}

static void put_field(struct wr *w, const struct http_header *h)
{
    put_str(w, h->name);
    put(w, ": ", 2);
    put_str(w, h->value);
    put(w, "\r\n", 2);
}

/* Writes "Name: v1, v2, ..., tail\r\n": the values of every forwardable
 * field called name (in order), then tail. Lists fold this way (RFC 9110
 * §5.3), so one line says the same as several and a reader that only looks
 * at the first line still sees the whole chain. */
static void put_merged(struct wr *w, const struct http_header *hs, unsigned nh, const char *name,
                       const char *tail, size_t tail_n)
{
    int first = 1;

    puts_(w, name);
    put(w, ": ", 2);
    for (unsigned i = 0; i < nh; i++) {
        if (!name_is(hs[i].name.p, hs[i].name.n, name) || !fields_forwardable(hs, nh, i) ||
            hs[i].value.n == 0)
            continue;
        if (!first)
            put(w, ", ", 2);
        put_str(w, hs[i].value);
        first = 0;
    }
    if (!first)
        put(w, ", ", 2);
    put(w, tail, tail_n);
    put(w, "\r\n", 2);
}

static int in_list(const char *const *list, const char *p, size_t n)
{
    for (; list != NULL && *list != NULL; list++)
        if (name_is(p, n, *list))
            return 1;
    return 0;
}

int fields_write_request(struct buf *out, const struct fields_request *r)
{
    const struct http_request *req = r->req;
    struct wr w = {out, 0};
    char via[128];
    /* An absolute-form target carries the authority that replaces Host. */
    int absolute = req->target.n > 0 && req->target.p[0] != '/' && req->target.p[0] != '*';
    int host_seen = 0;

    put_str(&w, req->method_str);
    put(&w, " ", 1);
    if (absolute) {
        put_str(&w, req->path);
        if (req->query.n > 0) {
            put(&w, "?", 1);
            put_str(&w, req->query);
        }
    } else {
        put_str(&w, req->target);
    }
    puts_(&w, " HTTP/1.1\r\n");
    if (absolute && req->host.n > 0) {
        puts_(&w, "Host: ");
        put_str(&w, req->host);
        puts_(&w, "\r\n");
        host_seen = 1;
    }

    for (unsigned i = 0; i < req->nheaders; i++) {
        const struct http_header *h = &req->headers[i];
        const char *n = h->name.p;
        size_t nn = h->name.n;
        if (!fields_forwardable(req->headers, req->nheaders, i))
            continue;
        if (name_is(n, nn, "x-forwarded-for") || name_is(n, nn, "via") ||
            name_is(n, nn, "x-forwarded-proto") || in_list(r->replace, n, nn))
            continue; /* written below, or by the hooks */
        if (name_is(n, nn, "host")) {
            if (absolute)
                continue;
            host_seen = 1;
        }
        put_field(&w, h);
    }
    if (!host_seen && r->default_host != NULL) {
        /* HTTP/1.0 allows a request without Host; HTTP/1.1, which the
         * upstream gets, does not (RFC 9112 §3.2). */
        puts_(&w, "Host: ");
        puts_(&w, r->default_host);
        puts_(&w, "\r\n");
    }
    put_merged(&w, req->headers, req->nheaders, "X-Forwarded-For", r->client_ip,
               strlen(r->client_ip));
    puts_(&w, "X-Forwarded-Proto: http\r\n");
    int vn = snprintf(via, sizeof(via), "1.%d %s", req->minor, r->via_name);
    put_merged(&w, req->headers, req->nheaders, "Via", via,
               vn > 0 && (size_t)vn < sizeof(via) ? (size_t)vn : sizeof(via) - 1);
    if (req->body == HTTP_BODY_CHUNKED)
        puts_(&w, "Transfer-Encoding: chunked\r\n");
    return w.err;
}

const char *fields_reason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 102:
        return "Processing";
    case 103:
        return "Early Hints";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 401:
        return "Unauthorized";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 417:
        return "Expectation Failed";
    case 429:
        return "Too Many Requests";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return resp_reason(status);
    }
}

static void put_status_line(struct wr *w, int status, struct http_str reason)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "HTTP/1.1 %03d ", status);

    put(w, line, (size_t)n);
    if (reason.n > 0)
        put_str(w, reason);
    else
        puts_(w, fields_reason(status));
    put(w, "\r\n", 2);
}

int fields_write_response(struct buf *out, const struct http_response *res, const char *via_name,
                          int chunked, enum fields_conn conn, const char *const *replace)
{
    struct wr w = {out, 0};
    char via[128];

    put_status_line(&w, res->status, res->reason);
    for (unsigned i = 0; i < res->nheaders; i++) {
        const struct http_header *h = &res->headers[i];
        if (!fields_forwardable(res->headers, res->nheaders, i) ||
            name_is(h->name.p, h->name.n, "via") || in_list(replace, h->name.p, h->name.n))
            continue;
        put_field(&w, h);
    }
    int vn = snprintf(via, sizeof(via), "1.%d %s", res->minor > 1 ? 1 : res->minor, via_name);
    put_merged(&w, res->headers, res->nheaders, "Via", via,
               vn > 0 && (size_t)vn < sizeof(via) ? (size_t)vn : sizeof(via) - 1);
    if (chunked)
        puts_(&w, "Transfer-Encoding: chunked\r\n");
    if (conn == FIELDS_CONN_CLOSE)
        puts_(&w, "Connection: close\r\n");
    else if (conn == FIELDS_CONN_KEEP_ALIVE)
        puts_(&w, "Connection: keep-alive\r\n");
    return w.err;
}

size_t fields_error_body(int status, char *out)
{
    int n = snprintf(out, 80, "%03d %s\n", status, fields_reason(status));

    return n > 0 && n < 80 ? (size_t)n : 0;
}

int fields_write_error(struct buf *out, int status, const char *date, int close)
{
    struct wr w = {out, 0};
    struct http_str none = {NULL, 0};
    char body[80], line[64];
    int n;

    put_status_line(&w, status, none);
    puts_(&w, "Server: osnet\r\nDate: ");
    puts_(&w, date);
    puts_(&w, "\r\nContent-Type: text/plain\r\n");
    n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n", fields_error_body(status, body));
    put(&w, line, (size_t)n);
    if (close)
        puts_(&w, "Connection: close\r\n");
    return w.err;
}
