#include "routes.h"

#include <errno.h>
#include <string.h>

/* Appends "<kind> <name> <value>\n" to body. */
static int add_line(struct buf *body, const char *kind, const struct http_str *name,
                    const struct http_str *value)
{
    int rc = buf_append(body, kind, strlen(kind));

    if (rc == 0)
        rc = buf_append(body, " ", 1);
    if (rc == 0)
        rc = buf_append(body, name->p, name->n);
    if (rc == 0)
        rc = buf_append(body, " ", 1);
    if (rc == 0)
        rc = buf_append(body, value->p, value->n);
    if (rc == 0)
        rc = buf_append(body, "\n", 1);
    return rc;
}

/* GET /_osnet/items/:id[/tags/:tag]: what the router and the query splitter
 * made of the request, one line per item. */
static int items_show(const struct route_request *rq, struct route_response *rs)
{
    char dst[8192];
    struct query_iter it;
    struct http_str name, value;
    int rc = 0, more;

    for (unsigned i = 0; i < rq->nparams && rc == 0; i++)
        rc = add_line(rs->body, "param", &rq->params[i].name, &rq->params[i].value);
    /* The decoded pair is never longer than the query. The parser holds a
     * request line to 8 KiB; a longer query is refused rather than cut. */
    if (rq->query.n > sizeof(dst)) {
        rs->status = 414;
        buf_consume(rs->body, buf_len(rs->body));
        return 0;
    }
    query_init(&it, rq->query.p, rq->query.n);
    while (rc == 0 && (more = query_next(&it, dst, &name, &value)) != 0) {
        if (more < 0) {
            rs->status = 400;
            buf_consume(rs->body, buf_len(rs->body));
            return 0;
        }
        rc = add_line(rs->body, "query", &name, &value);
    }
    return rc;
}

/* POST /_osnet/echo: the body, whatever its framing was (Content-Length or
 * chunked), byte for byte. */
static int echo_body(const struct route_request *rq, struct route_response *rs)
{
    rs->content_type = "application/octet-stream";
    return buf_append(rs->body, rq->body, rq->body_len);
}

int routes_register(struct router *r)
{
    int rc = router_add(r, ROUTE_GET | ROUTE_HEAD, "/_osnet/items/:id", items_show, NULL, 0);

    if (rc == 0)
        rc = router_add(r, ROUTE_GET | ROUTE_HEAD, "/_osnet/items/:id/tags/:tag", items_show, NULL,
                        0);
    if (rc == 0)
        rc = router_add(r, ROUTE_POST, "/_osnet/echo", echo_body, NULL, ROUTE_BODY);
    return rc;
}
