/* Unit tests for the router (patterns, parameters, 405 and its Allow
 * value, bad escapes), the query splitter, and the /_osnet routes' bodies. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "router.h"
#include "routes.h"

static int handler_a(const struct route_request *rq, struct route_response *rs)
{
    (void)rq;
    (void)rs;
    return 0;
}

static int handler_b(const struct route_request *rq, struct route_response *rs)
{
    (void)rq;
    (void)rs;
    return 0;
}

static enum router_result match(const struct router *r, enum http_method m, const char *path,
                                struct router_match *out)
{
    static char scratch[1024];

    return router_match(r, m, path, strlen(path), scratch, out);
}

static void assert_span(struct http_str s, const char *expect)
{
    assert_int_equal(s.n, strlen(expect));
    assert_memory_equal(s.p, expect, s.n);
}

/* REQ: HTTP-038 */
static void test_literal_and_params(void **state)
{
    struct router r;
    struct router_match m;

    (void)state;
    router_init(&r);
    assert_int_equal(router_add(&r, ROUTE_GET, "/a/b", handler_a, NULL, 0), 0);
    assert_int_equal(router_add(&r, ROUTE_GET, "/items/:id/tags/:tag", handler_b, NULL, 0), 0);

    assert_int_equal(match(&r, HTTP_GET, "/a/b", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, handler_a);
    assert_int_equal(m.nparams, 0);

    assert_int_equal(match(&r, HTTP_GET, "/items/42/tags/red", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, handler_b);
    assert_int_equal(m.nparams, 2);
    assert_span(m.params[0].name, "id");
    assert_span(m.params[0].value, "42");
    assert_span(m.params[1].name, "tag");
    assert_span(m.params[1].value, "red");

    /* Parameters are percent-decoded one segment at a time: an encoded
     * slash stays inside its segment, and '+' is not a space in a path. */
    assert_int_equal(match(&r, HTTP_GET, "/items/a%2Fb%20c+d/tags/%41", &m), ROUTER_FOUND);
    assert_span(m.params[0].value, "a/b c+d");
    assert_span(m.params[1].value, "A");

    /* Literal segments are compared decoded. */
    assert_int_equal(match(&r, HTTP_GET, "/%61/b", &m), ROUTER_FOUND);
    router_free(&r);
}

static void test_no_route(void **state)
{
    struct router r;
    struct router_match m;

    (void)state;
    router_init(&r);
    assert_int_equal(match(&r, HTTP_GET, "/a", &m), ROUTER_NO_ROUTE);
    assert_int_equal(router_add(&r, ROUTE_GET, "/items/:id", handler_a, NULL, 0), 0);
    assert_int_equal(match(&r, HTTP_GET, "/items", &m), ROUTER_NO_ROUTE);
    assert_int_equal(match(&r, HTTP_GET, "/items/", &m), ROUTER_NO_ROUTE); /* empty id */
    assert_int_equal(match(&r, HTTP_GET, "/items/1/", &m), ROUTER_NO_ROUTE);
    assert_int_equal(match(&r, HTTP_GET, "/items/1/x", &m), ROUTER_NO_ROUTE);
    assert_int_equal(match(&r, HTTP_GET, "/Items/1", &m), ROUTER_NO_ROUTE);
    assert_int_equal(match(&r, HTTP_GET, "/index.html", &m), ROUTER_NO_ROUTE);
    assert_int_equal(match(&r, HTTP_GET, "*", &m), ROUTER_NO_ROUTE);
    assert_int_equal(match(&r, HTTP_GET, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", &m),
                     ROUTER_NO_ROUTE);
    router_free(&r);
}

/* REQ: HTTP-038, HTTP-039 */
static void test_method_not_allowed(void **state)
{
    struct router r;
    struct router_match m;
    char allow[64];

    (void)state;
    router_init(&r);
    assert_int_equal(router_add(&r, ROUTE_GET | ROUTE_HEAD, "/x/:id", handler_a, NULL, 0), 0);
    assert_int_equal(router_add(&r, ROUTE_DELETE, "/x/:id", handler_b, NULL, 0), 0);
    assert_int_equal(router_add(&r, ROUTE_POST, "/echo", handler_b, NULL, ROUTE_BODY), 0);

    assert_int_equal(match(&r, HTTP_HEAD, "/x/1", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, handler_a);
    assert_int_equal(match(&r, HTTP_DELETE, "/x/1", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, handler_b);
    assert_int_equal(match(&r, HTTP_POST, "/x/1", &m), ROUTER_NOT_ALLOWED);
    router_allow(m.allow, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, DELETE");

    assert_int_equal(match(&r, HTTP_GET, "/echo", &m), ROUTER_NOT_ALLOWED);
    router_allow(m.allow, allow, sizeof(allow));
    assert_string_equal(allow, "POST");
    assert_int_equal(match(&r, HTTP_POST, "/echo", &m), ROUTER_FOUND);
    assert_true(m.route->flags & ROUTE_BODY);

    /* A short buffer gets whole names only. */
    assert_int_equal(router_allow(ROUTE_GET | ROUTE_HEAD, allow, 6), 3);
    assert_string_equal(allow, "GET");
    router_free(&r);
}

/* REQ: HTTP-038 */
static void test_bad_escapes(void **state)
{
    struct router r;
    struct router_match m;

    (void)state;
    router_init(&r);
    assert_int_equal(router_add(&r, ROUTE_GET, "/x/:id", handler_a, NULL, 0), 0);
    assert_int_equal(match(&r, HTTP_GET, "/x/%zz", &m), ROUTER_BAD_PATH);
    assert_int_equal(match(&r, HTTP_GET, "/x/%4", &m), ROUTER_BAD_PATH);
    assert_int_equal(match(&r, HTTP_GET, "/x/a%00b", &m), ROUTER_BAD_PATH);
    router_free(&r);
}

static void test_bad_patterns(void **state)
{
    struct router r;

    (void)state;
    router_init(&r);
    assert_int_equal(router_add(&r, ROUTE_GET, "x", handler_a, NULL, 0), -EINVAL);
    assert_int_equal(router_add(&r, 0, "/x", handler_a, NULL, 0), -EINVAL);
    assert_int_equal(router_add(&r, ROUTE_GET, "/x/:", handler_a, NULL, 0), -EINVAL);
    assert_int_equal(router_add(&r, ROUTE_GET, "/x", NULL, NULL, 0), -EINVAL);
    assert_int_equal(router_add(&r, ROUTE_GET, "/:a/:b/:c/:d/:e/:f/:g/:h/:i", handler_a, NULL, 0),
                     -EINVAL);
    assert_int_equal(r.n, 0);
    /* The table grows past its first allocation. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(router_add(&r, ROUTE_GET, "/many", handler_a, NULL, 0), 0);
    assert_int_equal(r.n, 20);
    router_free(&r);
}

/* Splits q and returns "name=value|..." for comparison, or "ERR". */
static const char *split(const char *q)
{
    static char out[1024];
    char dst[1024];
    struct query_iter it;
    struct http_str n, v;
    size_t len = 0;
    int rc;

    query_init(&it, q, strlen(q));
    while ((rc = query_next(&it, dst, &n, &v)) == 1) {
        memcpy(out + len, n.p, n.n);
        len += n.n;
        out[len++] = '=';
        memcpy(out + len, v.p, v.n);
        len += v.n;
        out[len++] = '|';
    }
    out[len] = '\0';
    return rc < 0 ? "ERR" : out;
}

/* REQ: HTTP-038 */
static void test_query(void **state)
{
    (void)state;
    assert_string_equal(split(""), "");
    assert_string_equal(split("a=1"), "a=1|");
    assert_string_equal(split("a=1&b=2&a=3"), "a=1|b=2|a=3|");
    assert_string_equal(split("b=x+y&c%20d=%41%2b"), "b=x y|c d=A+|");
    assert_string_equal(split("flag&x="), "flag=|x=|");
    assert_string_equal(split("&&a=1&&&b=2&"), "a=1|b=2|");
    assert_string_equal(split("=v"), "=v|");
    assert_string_equal(split("a==b"), "a==b|");
    assert_string_equal(split("a=%26%3D"), "a=&=|");
    assert_string_equal(split("a=%zz"), "ERR");
    assert_string_equal(split("a%2=1"), "ERR");
}

/* Runs a request through the /_osnet routes and returns the body. */
static const char *run_route(const char *method_path_query, enum http_method method,
                             const char *body, int *status)
{
    static char out[2048];
    static char scratch[1024];
    struct router r;
    struct router_match m;
    struct buf b;
    const char *q = strchr(method_path_query, '?');
    size_t plen = q != NULL ? (size_t)(q - method_path_query) : strlen(method_path_query);
    struct http_request req = {.method = method};
    struct route_request rq = {.http = &req};
    struct route_response rs = {.status = 200, .content_type = "text/plain", .body = &b};

    router_init(&r);
    assert_int_equal(routes_register(&r), 0);
    buf_init(&b, 4096);
    assert_int_equal(router_match(&r, method, method_path_query, plen, scratch, &m), ROUTER_FOUND);
    rq.params = m.params;
    rq.nparams = m.nparams;
    if (q != NULL) {
        rq.query.p = q + 1;
        rq.query.n = strlen(q + 1);
    }
    rq.body = body;
    rq.body_len = body != NULL ? strlen(body) : 0;
    assert_int_equal(m.route->handler(&rq, &rs), 0);
    *status = rs.status;
    memcpy(out, buf_peek(&b) != NULL ? buf_peek(&b) : "", buf_len(&b));
    out[buf_len(&b)] = '\0';
    buf_free(&b);
    router_free(&r);
    return out;
}

/* REQ: HTTP-038, HTTP-039 */
static void test_osnet_routes(void **state)
{
    struct router r;
    struct router_match m;
    int status;

    (void)state;
    assert_string_equal(run_route("/_osnet/items/42", HTTP_GET, NULL, &status), "param id 42\n");
    assert_int_equal(status, 200);
    assert_string_equal(
        run_route("/_osnet/items/a%20b/tags/x?k=v+w&flag&%41=%42", HTTP_HEAD, NULL, &status),
        "param id a b\nparam tag x\nquery k v w\nquery flag \nquery A B\n");
    run_route("/_osnet/items/1?a=%zz", HTTP_GET, NULL, &status);
    assert_int_equal(status, 400);
    assert_string_equal(run_route("/_osnet/echo", HTTP_POST, "raw+bytes%20", &status),
                        "raw+bytes%20");
    assert_int_equal(status, 200);

    router_init(&r);
    assert_int_equal(routes_register(&r), 0);
    assert_int_equal(match(&r, HTTP_GET, "/_osnet/echo", &m), ROUTER_NOT_ALLOWED);
    assert_int_equal(m.allow, ROUTE_POST);
    assert_int_equal(match(&r, HTTP_POST, "/_osnet/items/1", &m), ROUTER_NOT_ALLOWED);
    assert_int_equal(m.allow, ROUTE_GET | ROUTE_HEAD);
    assert_int_equal(match(&r, HTTP_GET, "/_osnet/items", &m), ROUTER_NO_ROUTE);
    router_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_params), cmocka_unit_test(test_no_route),
        cmocka_unit_test(test_method_not_allowed), cmocka_unit_test(test_bad_escapes),
        cmocka_unit_test(test_bad_patterns),       cmocka_unit_test(test_query),
        cmocka_unit_test(test_osnet_routes),
    };

    return cmocka_run_group_tests_name("http router", tests, NULL, NULL);
}
