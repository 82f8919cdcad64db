#ifndef OSNET_ITEMS_APITEST_H
#define OSNET_ITEMS_APITEST_H

/* What test_validate.c and test_api.c share: a service core on the memory
 * store, and a call that runs one operation the way a front end would and
 * keeps the reply (status, fields, body text and its parsed JSON).
 * Include after cmocka.h. */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

typedef int items_op(struct items_app *, const struct items_request *, struct items_reply *);

struct result {
    int status;
    char location[32];
    unsigned retry_after;
    char text[256 * 1024]; /* the body, NUL-terminated */
    json_t *json;          /* the body parsed, NULL if empty */
};

/* A core on the memory store; rate 0: no limit. Nothing is logged. */
static inline struct items_app *app_new(uint64_t max_items, unsigned rate, unsigned burst)
{
    struct items_config cfg = {
        .storage = ITEMS_MEMORY,
        .max_items = max_items,
        .rate = rate,
        .burst = burst,
        .log_level = ITEMS_ERROR,
        .log_fd = -1,
    };
    struct items_app *app = NULL;
    char err[256];

    assert_int_equal(items_app_open(&cfg, &app, err, sizeof(err)), 0);
    assert_non_null(app);
    return app;
}

/* Runs op with the given pieces of a request (NULL: absent) from peer
 * 127.0.0.1 into *r. Returns r->status. */
static inline int call_from(items_op *op, struct items_app *app, const char *peer,
                            const char *ctype, const char *body, const char *id, const char *query,
                            struct result *r)
{
    struct buf b;
    struct items_request rq = {
        .peer = peer,
        .content_type = ctype,
        .content_type_len = ctype != NULL ? strlen(ctype) : 0,
        .body = body,
        .body_len = body != NULL ? strlen(body) : 0,
        .query = query,
        .query_len = query != NULL ? strlen(query) : 0,
        .id = id,
        .id_len = id != NULL ? strlen(id) : 0,
    };
    struct items_reply rp = {.body = &b};
    json_error_t err;

    buf_init(&b, sizeof(r->text) - 1);
    json_decref(r->json);
    memset(r, 0, offsetof(struct result, text));
    r->json = NULL;
    assert_int_equal(op(app, &rq, &rp), 0);
    r->status = rp.status;
    memcpy(r->location, rp.location, sizeof(r->location));
    r->retry_after = rp.retry_after;
    memcpy(r->text, buf_peek(&b) != NULL ? buf_peek(&b) : "", buf_len(&b));
    r->text[buf_len(&b)] = '\0';
    buf_free(&b);
    if (r->text[0] != '\0' && rp.content_type != NULL &&
        strncmp(rp.content_type, "application/json", 16) == 0) {
        r->json = json_loads(r->text, 0, &err);
        assert_non_null(r->json); /* every JSON reply parses */
    }
    return r->status;
}

static inline int call(items_op *op, struct items_app *app, const char *ctype, const char *body,
                       const char *id, const char *query, struct result *r)
{
    return call_from(op, app, "127.0.0.1", ctype, body, id, query, r);
}

/* POST /items with an application/json body. */
static inline int post(struct items_app *app, const char *body, struct result *r)
{
    return call(items_create, app, "application/json", body, NULL, NULL, r);
}

/* The "field" of a 422's error object ("" when missing). */
static inline const char *err_field(const struct result *r)
{
    const char *f = json_string_value(json_object_get(json_object_get(r->json, "error"), "field"));
    return f != NULL ? f : "";
}

/* The "code" of an error reply ("" when missing). */
static inline const char *err_code(const struct result *r)
{
    const char *c = json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
    return c != NULL ? c : "";
}

/* Member name of the reply's JSON object as an integer / a string. */
static inline json_int_t jint(const struct result *r, const char *name)
{
    json_t *v = json_object_get(r->json, name);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static inline const char *jstr(const struct result *r, const char *name)
{
    json_t *v = json_object_get(r->json, name);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

/* Asserts a 422 naming field. */
#define assert_422(r, f)                                                                           \
    do {                                                                                           \
        assert_int_equal((r)->status, 422);                                                        \
        assert_string_equal(err_code(r), "validation_failed");                                     \
        assert_string_equal(err_field(r), (f));                                                    \
    } while (0)

/* Creates an item and returns its id as text in buf (the {id} of later calls). */
static inline const char *create_id(struct items_app *app, const char *body, char *buf, size_t cap,
                                    struct result *r)
{
    assert_int_equal(post(app, body, r), 201);
    snprintf(buf, cap, "%lld", (long long)jint(r, "id"));
    return buf;
}

#endif
