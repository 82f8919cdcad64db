#include "router.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void router_init(struct router *r)
{
    r->routes = NULL;
    r->n = 0;
    r->cap = 0;
}

void router_free(struct router *r)
{
    free(r->routes);
    router_init(r);
}

/* Splits p[0..n), which starts with '/', into the spans between slashes:
 * "/a/b" is "a", "b"; "/" is one empty segment; "/a/" is "a", "". Returns
 * the number of segments, or -1 when there are more than max. */
static int split_path(const char *p, size_t n, struct http_str *segs, unsigned max)
{
    unsigned k = 0;
    size_t i = 1;

    for (;;) {
        const char *slash = memchr(p + i, '/', n - i);
        size_t end = slash != NULL ? (size_t)(slash - p) : n;
        if (k == max)
            return -1;
        segs[k].p = p + i;
        segs[k].n = end - i;
        k++;
        if (slash == NULL)
            return (int)k;
        i = end + 1;
    }
}

int router_add(struct router *r, unsigned methods, const char *pattern, route_handler *h, void *ctx,
               unsigned flags)
{
    struct route rt = {
        .pattern = pattern, .methods = methods, .flags = flags, .handler = h, .ctx = ctx};
    unsigned nparams = 0;
    int k;

    if (methods == 0 || h == NULL || pattern[0] != '/')
        return -EINVAL;
    k = split_path(pattern, strlen(pattern), rt.segs, ROUTER_MAX_SEGMENTS);
    if (k < 0)
        return -EINVAL;
    rt.nsegs = (unsigned)k;
    for (unsigned i = 0; i < rt.nsegs; i++) {
        if (rt.segs[i].n > 0 && rt.segs[i].p[0] == ':') {
            if (rt.segs[i].n == 1 || ++nparams > ROUTER_MAX_PARAMS)
                return -EINVAL;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap > 0 ? r->cap * 2 : 8;
        struct route *p = realloc(r->routes, cap * sizeof(*p));
        if (p == NULL)
            return -ENOMEM;
        r->routes = p;
        r->cap = cap;
    }
    r->routes[r->n++] = rt;
    return 0;
}

/* Does the pattern of rt match the decoded segments? */
static bool pattern_matches(const struct route *rt, const struct http_str *segs, unsigned nsegs)
{
    if (rt->nsegs != nsegs)
        return false;
    for (unsigned i = 0; i < nsegs; i++) {
        const struct http_str *ps = &rt->segs[i];
        if (ps->n > 0 && ps->p[0] == ':') {
            if (segs[i].n == 0)
                return false; /* a parameter is never empty */
            continue;
        }
        if (ps->n != segs[i].n || memcmp(ps->p, segs[i].p, ps->n) != 0)
            return false;
    }
    return true;
}

enum router_result router_match(const struct router *r, enum http_method method, const char *p,
                                size_t n, char *scratch, struct router_match *m)
{
    struct http_str raw[ROUTER_MAX_SEGMENTS], segs[ROUTER_MAX_SEGMENTS];
    size_t used = 0;
    int k;

    m->route = NULL;
    m->nparams = 0;
    m->allow = 0;
    if (r->n == 0 || n == 0 || p[0] != '/')
        return ROUTER_NO_ROUTE;
    k = split_path(p, n, raw, ROUTER_MAX_SEGMENTS);
    if (k < 0)
        return ROUTER_NO_ROUTE; /* longer than any pattern */
    /* Decode every segment once; each decoded segment is no longer than its
     * raw form, so they fit one after another in n bytes. */
    for (int i = 0; i < k; i++) {
        ssize_t d = http_percent_decode(raw[i].p, raw[i].n, scratch + used, 0, 0);
        if (d < 0)
            return ROUTER_BAD_PATH;
        segs[i].p = scratch + used;
        segs[i].n = (size_t)d;
        used += (size_t)d;
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        if (!pattern_matches(rt, segs, (unsigned)k))
            continue;
        if (!(rt->methods & ROUTE_METHOD(method))) {
            m->allow |= rt->methods;
            continue;
        }
        m->route = rt;
        for (int j = 0; j < k; j++) {
            if (rt->segs[j].n > 0 && rt->segs[j].p[0] == ':') {
                m->params[m->nparams].name.p = rt->segs[j].p + 1;
                m->params[m->nparams].name.n = rt->segs[j].n - 1;
                m->params[m->nparams].value = segs[j];
                m->nparams++;
            }
        }
        return ROUTER_FOUND;
    }
    return m->allow != 0 ? ROUTER_NOT_ALLOWED : ROUTER_NO_ROUTE;
}

size_t router_allow(unsigned mask, char *out, size_t cap)
{
    static const char *const names[] = {
        [HTTP_GET] = "GET",         [HTTP_HEAD] = "HEAD",     [HTTP_POST] = "POST",
        [HTTP_PUT] = "PUT",         [HTTP_DELETE] = "DELETE", [HTTP_PATCH] = "PATCH",
        [HTTP_OPTIONS] = "OPTIONS", [HTTP_TRACE] = "TRACE",   [HTTP_CONNECT] = "CONNECT",
    };
    size_t len = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t nl;
        if (!(mask & ROUTE_METHOD(i)) || names[i] == NULL)
            continue;
        nl = strlen(names[i]);
        if (len + (len > 0 ? 2 : 0) + nl + 1 > cap)
            break;
        if (len > 0) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, names[i], nl);
        len += nl;
        out[len] = '\0';
    }
    return len;
}

void query_init(struct query_iter *it, const char *q, size_t n)
{
    it->p = q;
    it->end = q + n;
}

int query_next(struct query_iter *it, char *dst, struct http_str *name, struct http_str *value)
{
    const char *piece, *amp, *eq;
    ssize_t nl, vl;

    /* Skip empty pieces: "a=1&&b=2", a leading or trailing '&'. */
    while (it->p < it->end && *it->p == '&')
        it->p++;
    if (it->p >= it->end)
        return 0;
    piece = it->p;
    amp = memchr(piece, '&', (size_t)(it->end - piece));
    if (amp == NULL)
        amp = it->end;
    it->p = amp;
    eq = memchr(piece, '=', (size_t)(amp - piece));
    if (eq == NULL)
        eq = amp;
    nl = http_percent_decode(piece, (size_t)(eq - piece), dst, 1, 1);
    if (nl < 0)
        return -1;
    vl = 0;
    if (eq < amp) {
        vl = http_percent_decode(eq + 1, (size_t)(amp - eq - 1), dst + nl, 1, 1);
        if (vl < 0)
            return -1;
    }
    name->p = dst;
    name->n = (size_t)nl;
    value->p = dst + nl;
    value->n = (size_t)vl;
    return 1;
}

int route_add_field(struct route_response *rs, const char *name, const char *value, size_t n)
{
    size_t nlen = strlen(name);
    char *tail;
    size_t avail;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
            return -EINVAL;
    rc = buf_reserve(rs->fields, nlen + 2 + n + 2, &tail, &avail);
    if (rc < 0)
        return rc;
    memcpy(tail, name, nlen);
    memcpy(tail + nlen, ": ", 2);
    memcpy(tail + nlen + 2, value, n);
    memcpy(tail + nlen + 2 + n, "\r\n", 2);
    buf_commit(rs->fields, nlen + 2 + n + 2);
    return 0;
}
