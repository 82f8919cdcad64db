#ifndef OSNET_HTTP_ROUTER_H
#define OSNET_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "http_parse.h"

/* A small request router: a table of (methods, path pattern, handler),
 * matched in the order routes were added, before the server falls back to
 * static files. A pattern is a path whose segments are literals or
 * parameters written ":name":
 *
 *     router_add(r, ROUTE_GET | ROUTE_HEAD, "/_osnet/items/:id", items_get, NULL, 0);
 *
 * A handler gets the request, the decoded path parameters, the raw query
 * and the body, and fills a response (status, content type, body bytes).
 * It never sees a socket: the server writes the head, honours HEAD, and
 * sends the bytes. */

#define ROUTER_MAX_PARAMS   8
#define ROUTER_MAX_SEGMENTS 16

/* Method masks: one bit per enum http_method. */
#define ROUTE_METHOD(m) (1u << (m))
#define ROUTE_GET       ROUTE_METHOD(HTTP_GET)
#define ROUTE_HEAD      ROUTE_METHOD(HTTP_HEAD)
#define ROUTE_POST      ROUTE_METHOD(HTTP_POST)
#define ROUTE_PUT       ROUTE_METHOD(HTTP_PUT)
#define ROUTE_DELETE    ROUTE_METHOD(HTTP_DELETE)
#define ROUTE_PATCH     ROUTE_METHOD(HTTP_PATCH)

/* Route flags. ROUTE_BODY: the handler reads the body, so the server keeps
 * it (up to --max-body); without it the body is read and dropped. */
#define ROUTE_BODY 0x1

/* A decoded path parameter. Both spans point into memory that lives as long
 * as the match (the pattern and the caller's scratch). */
struct route_param {
    struct http_str name;
    struct http_str value;
};

/* What a handler gets. */
struct route_request {
    const struct http_request *http;  /* the parsed head */
    const struct route_param *params; /* in pattern order */
    unsigned nparams;
    struct http_str query; /* raw, after '?' (split with query_next) */
    const char *body;      /* the whole body (ROUTE_BODY routes) */
    size_t body_len;
    const char *peer; /* the client's address, as text ("127.0.0.1", "::1") */
    void *ctx;        /* the ctx given to router_add */
};

/* What a handler fills. The server has set status 200, content_type
 * "text/plain", an empty body (a bounded buffer: appending past its
 * maximum fails with -ENOBUFS) and no extra fields before the call. A 204
 * or 304 goes out without Content-Length and without the body. */
struct route_response {
    int status;
    const char *content_type; /* a static string */
    struct buf *body;
    struct buf *fields; /* field lines for the head, added with route_add_field() */
};

/* Returns 0 once *rs is filled, or a negative errno for a failure of the
 * server's (the client gets a 500). */
typedef int route_handler(const struct route_request *rq, struct route_response *rs);

struct route {
    const char *pattern; /* as given to router_add: "/items/:id" */
    unsigned methods;
    unsigned flags;
    route_handler *handler;
    void *ctx;
    unsigned nsegs;
    struct http_str segs[ROUTER_MAX_SEGMENTS]; /* literal, or ":name" */
};

struct router {
    struct route *routes;
    size_t n, cap;
};

enum router_result {
    ROUTER_FOUND,       /* *m names the route and its parameters */
    ROUTER_NO_ROUTE,    /* no pattern matches the path: try static files */
    ROUTER_NOT_ALLOWED, /* patterns match, not for this method: 405, Allow from m->allow */
    ROUTER_BAD_PATH,    /* a malformed %-escape (or %00) in a segment: 400 */
};

struct router_match {
    const struct route *route;
    struct route_param params[ROUTER_MAX_PARAMS];
    unsigned nparams;
    unsigned allow; /* ROUTER_NOT_ALLOWED: the methods the path accepts */
};

/* Initializes an empty router. */
void router_init(struct router *r);

/* Frees the table. */
void router_free(struct router *r);

/* Adds a route. pattern must start with '/' and must stay valid as long as
 * the router (a string literal); at most ROUTER_MAX_SEGMENTS segments and
 * ROUTER_MAX_PARAMS parameters. Returns 0, -EINVAL for a bad pattern or an
 * empty method mask, or -ENOMEM. */
int router_add(struct router *r, unsigned methods, const char *pattern, route_handler *h, void *ctx,
               unsigned flags);

/* Matches a request path p[0..n) (as sent: percent-encoded, no query).
 * Literal segments are compared with the decoded segment; a parameter
 * matches any non-empty segment ("/items/" does not match "/items/:id");
 * parameter values
 * are percent-decoded ('+' stays '+') into scratch, which holds at least n
 * bytes. The first route whose pattern and method match wins. */
enum router_result router_match(const struct router *r, enum http_method method, const char *p,
                                size_t n, char *scratch, struct router_match *m);

/* Adds the field line "name: value" to a response's head (Location,
 * Retry-After, ...). Returns 0, -EINVAL when the value holds a CR, LF or
 * NUL (it would split the head), or -ENOBUFS. */
int route_add_field(struct route_response *rs, const char *name, const char *value, size_t n);

/* Writes the methods in mask as an Allow value ("GET, HEAD, POST") into out
 * (cap bytes; 64 are always enough). Returns its length. */
size_t router_allow(unsigned mask, char *out, size_t cap);

/* A walk over the pairs of a query string "a=1&b=x+y" in order. Empty
 * pieces ("a=1&&b=2") are skipped; a piece without '=' has an empty value. */
struct query_iter {
    const char *p, *end;
};

/* Starts a walk over q[0..n). */
void query_init(struct query_iter *it, const char *q, size_t n);

/* Decodes the next pair into dst (room for at least the rest of the query),
 * percent-escapes undone and '+' read as a space. Returns 1 with *name and
 * *value pointing into dst, 0 at the end, or -1 on a malformed escape. */
int query_next(struct query_iter *it, char *dst, struct http_str *name, struct http_str *value);

#endif
