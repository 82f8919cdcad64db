/* Unit tests for the operations of api.c on the memory store: create, get,
 * list (pagination), replace, patch, delete, the status of each outcome,
 * the reply's JSON and fields, the rate limit, /metrics, /healthz, the
 * error bodies, and the log lines of items_observe(). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "apitest.h"

static struct result R;

static int get(struct items_app *app, const char *id)
{
    return call(items_get, app, NULL, NULL, id, NULL, &R);
}

static int list(struct items_app *app, const char *query)
{
    return call(items_list, app, NULL, NULL, NULL, query, &R);
}

/* REQ: ITEMS-010 */
/* REQ: ITEMS-012 */
/* REQ: ITEMS-013 */
static void test_create_then_get(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    const char *body = "{\"name\":\"pen \\\"blue\\\" \\\\ \xf0\x9f\x96\x8a\",\"price\":1.5,"
                       "\"quantity\":3,\"tags\":[\"office\",\"blue\",\"office\"]}";
    char id[32], location[64], created[4096];

    (void)state;
    assert_int_equal(post(app, body, &R), 201);
    assert_true(jint(&R, "id") >= 1);
    snprintf(id, sizeof(id), "%lld", (long long)jint(&R, "id"));
    snprintf(location, sizeof(location), "/items/%s", id);
    assert_string_equal(R.location, location);
    assert_string_equal(jstr(&R, "name"), "pen \"blue\" \\ \xf0\x9f\x96\x8a");
    assert_true(json_number_value(json_object_get(R.json, "price")) == 1.5);
    assert_int_equal(jint(&R, "quantity"), 3);
    assert_non_null(strstr(R.text, "\"tags\":[\"office\",\"blue\",\"office\"]"));
    /* Exactly five members. */
    assert_int_equal(json_object_size(R.json), 5);
    strcpy(created, R.text);
    assert_int_equal(get(app, id), 200);
    assert_string_equal(R.text, created);
    assert_string_equal(R.location, "");
    items_app_close(app);
}

/* REQ: ITEMS-011 */
/* REQ: ITEMS-050 */
static void test_ids_grow_and_are_never_reused(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    json_int_t last = 0;
    char id[32], body[64];

    (void)state;
    for (int i = 0; i < 5; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"n%d\",\"price\":1}", i);
        assert_int_equal(post(app, body, &R), 201);
        assert_true(jint(&R, "id") > last);
        last = jint(&R, "id");
    }
    snprintf(id, sizeof(id), "%lld", (long long)last);
    assert_int_equal(call(items_delete, app, NULL, NULL, id, NULL, &R), 204);
    assert_string_equal(R.text, "");
    assert_int_equal(get(app, id), 404);
    assert_string_equal(err_code(&R), "not_found");
    assert_int_equal(call(items_delete, app, NULL, NULL, id, NULL, &R), 404);
    /* The next id is past the deleted one; its name is free again. */
    assert_int_equal(post(app, "{\"name\":\"n4\",\"price\":1}", &R), 201);
    assert_true(jint(&R, "id") > last);
    items_app_close(app);
}

/* Creates n items named i0.. and returns the first id. */
static json_int_t fill(struct items_app *app, int n)
{
    json_int_t first = 0;
    char body[64];

    for (int i = 0; i < n; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"i%d\",\"price\":%d}", i, i);
        assert_int_equal(post(app, body, &R), 201);
        if (i == 0)
            first = jint(&R, "id");
    }
    return first;
}

/* Walks every page with the given limit; returns how many items were seen
 * and checks ascending ids, and null only on the last page. */
static int walk(struct items_app *app, int limit, int *pages)
{
    char query[64] = "", cursor[32] = "";
    json_int_t last = 0;
    int seen = 0;

    *pages = 0;
    for (;;) {
        json_t *items, *next;
        size_t i;

        snprintf(query, sizeof(query), "limit=%d%s%s", limit, cursor[0] ? "&cursor=" : "", cursor);
        assert_int_equal(list(app, query), 200);
        (*pages)++;
        items = json_object_get(R.json, "items");
        next = json_object_get(R.json, "next_cursor");
        assert_true(json_is_array(items));
        assert_true(json_array_size(items) <= (size_t)limit);
        for (i = 0; i < json_array_size(items); i++) {
            json_int_t id = json_integer_value(json_object_get(json_array_get(items, i), "id"));
            assert_true(id > last);
            last = id;
            seen++;
        }
        if (json_is_null(next))
            return seen;
        assert_true(json_is_string(next));
        assert_int_equal(json_array_size(items), limit); /* only a full page has a next */
        snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
    }
}

/* REQ: ITEMS-030 */
/* REQ: ITEMS-031 */
/* REQ: ITEMS-032 */
static void test_list_pages(void **state)
{
    struct items_app *app = app_new(1000, 0, 0);
    int pages;

    (void)state;
    assert_int_equal(list(app, NULL), 200);
    assert_string_equal(R.text, "{\"items\":[],\"next_cursor\":null}");
    assert_int_equal(list(app, ""), 200);
    assert_string_equal(R.text, "{\"items\":[],\"next_cursor\":null}");
    fill(app, 45);
    /* Default 20. */
    assert_int_equal(list(app, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(R.json, "items")), 20);
    assert_true(json_is_string(json_object_get(R.json, "next_cursor")));
    assert_int_equal(walk(app, 20, &pages), 45);
    assert_int_equal(pages, 3);
    assert_int_equal(walk(app, 1, &pages), 45);
    assert_int_equal(pages, 45);
    assert_int_equal(walk(app, 100, &pages), 45);
    assert_int_equal(pages, 1);
    /* 45 = 3 * 15: the third page holds the last item and says so. */
    assert_int_equal(walk(app, 15, &pages), 45);
    assert_int_equal(pages, 3);
    /* Other parameters are ignored; parameters may be percent-encoded. */
    assert_int_equal(list(app, "x=1&limit=2&y"), 200);
    assert_int_equal(json_array_size(json_object_get(R.json, "items")), 2);
    assert_int_equal(list(app, "%6cimit=%33"), 200);
    assert_int_equal(json_array_size(json_object_get(R.json, "items")), 3);
    /* Each listed item is what GET answers. */
    assert_int_equal(list(app, "limit=1"), 200);
    {
        char first[4096], id[32];
        json_t *it = json_array_get(json_object_get(R.json, "items"), 0);
        char *s = json_dumps(it, JSON_COMPACT);
        snprintf(first, sizeof(first), "%s", s);
        free(s);
        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(it, "id")));
        assert_int_equal(get(app, id), 200);
        s = json_dumps(R.json, JSON_COMPACT);
        assert_string_equal(s, first);
        free(s);
    }
    items_app_close(app);
}

/* REQ: ITEMS-031 */
/* REQ: ITEMS-033 */
static void test_list_bad_parameters(void **state)
{
    static const char *const bad[] = {
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit",
        "limit=%",
        "limit=1%",
        "limit=+5",
        "limit=99999999999999999999",
        "cursor=x!",
        "cursor=%FF",
        "cursor=",
        "cursor=-1",
        "cursor=abc",
        "cursor=1.0",
        "cursor=007",
        "cursor=9223372036854775808",
        /* A NUL would end the decoded text early: not "1", not "5". */
        "cursor=1%00zz",
        "cursor=1%00",
        "limit=5%00",
        "limit=5%00zz",
    };
    struct items_app *app = app_new(100, 0, 0);

    (void)state;
    fill(app, 3);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (list(app, bad[i]) != 400)
            fail_msg("query '%s': got %d, want 400", bad[i], R.status);
        assert_string_equal(err_code(&R), "bad_request");
    }
    assert_int_equal(list(app, "limit=100"), 200);
    assert_int_equal(list(app, "limit=1"), 200);
    /* A name holding a NUL is another parameter's: ignored. */
    assert_int_equal(list(app, "limit%00=500"), 200);
    /* A cursor past the end: an empty last page. */
    assert_int_equal(list(app, "cursor=9223372036854775807"), 200);
    assert_string_equal(R.text, "{\"items\":[],\"next_cursor\":null}");
    items_app_close(app);
}

/* REQ: ITEMS-034 */
static void test_list_is_keyset(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    json_int_t first = fill(app, 6), seen[16];
    char cursor[32], query[64], id[32];
    int n = 0;

    (void)state;
    assert_int_equal(list(app, "limit=2"), 200);
    for (size_t i = 0; i < 2; i++)
        seen[n++] = json_integer_value(
            json_object_get(json_array_get(json_object_get(R.json, "items"), i), "id"));
    snprintf(cursor, sizeof(cursor), "%s",
             json_string_value(json_object_get(R.json, "next_cursor")));
    /* Delete an item already listed and one not yet listed, create one. */
    snprintf(id, sizeof(id), "%lld", (long long)first);
    assert_int_equal(call(items_delete, app, NULL, NULL, id, NULL, &R), 204);
    snprintf(id, sizeof(id), "%lld", (long long)first + 3);
    assert_int_equal(call(items_delete, app, NULL, NULL, id, NULL, &R), 204);
    assert_int_equal(post(app, "{\"name\":\"late\",\"price\":1}", &R), 201);
    for (;;) {
        json_t *items;
        size_t i;
        snprintf(query, sizeof(query), "limit=2&cursor=%s", cursor);
        assert_int_equal(list(app, query), 200);
        items = json_object_get(R.json, "items");
        for (i = 0; i < json_array_size(items); i++)
            seen[n++] = json_integer_value(json_object_get(json_array_get(items, i), "id"));
        if (json_is_null(json_object_get(R.json, "next_cursor")))
            break;
        snprintf(cursor, sizeof(cursor), "%s",
                 json_string_value(json_object_get(R.json, "next_cursor")));
    }
    /* first, first+1 | first+2, first+4, first+5, the late one. */
    assert_int_equal(n, 6);
    assert_true(seen[0] == first && seen[1] == first + 1 && seen[2] == first + 2);
    assert_true(seen[3] == first + 4 && seen[4] == first + 5 && seen[5] > first + 5);
    items_app_close(app);
}

/* A core on SQLite at path (created when missing). */
static struct items_app *sqlite_app_new(const char *path)
{
    struct items_config cfg = {.storage = ITEMS_SQLITE,
                               .db_path = path,
                               .max_items = 100,
                               .log_level = ITEMS_ERROR,
                               .log_fd = -1};
    struct items_app *app = NULL;
    char err[256];

    if (items_app_open(&cfg, &app, err, sizeof(err)) != 0)
        fail_msg("items_app_open: %s", err);
    return app;
}

/* Ids go up to 2^63-1, and so do cursors: the list's body holds the
 * largest whole. SQLite's AUTOINCREMENT counter (sqlite_sequence) is set
 * just below the largest id, so that the next creates get the last ids. */
/* REQ: ITEMS-031 */
/* REQ: ITEMS-032 */
static void test_list_largest_ids(void **state)
{
    char dir[] = "/tmp/osnet-api-XXXXXX", path[64], p[80], query[64];
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    struct items_app *app;
    sqlite3 *db;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/items.db", dir);
    app = sqlite_app_new(path);
    assert_int_equal(post(app, "{\"name\":\"first\",\"price\":1}", &R), 201);
    items_app_close(app);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE sqlite_sequence SET seq = 9223372036854775805"
                                  " WHERE name = 'items'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    app = sqlite_app_new(path);
    assert_int_equal(post(app, "{\"name\":\"a\",\"price\":1}", &R), 201);
    assert_true(jint(&R, "id") == INT64_MAX - 1);
    assert_string_equal(R.location, "/items/9223372036854775806");
    assert_int_equal(post(app, "{\"name\":\"b\",\"price\":1}", &R), 201);
    assert_true(jint(&R, "id") == INT64_MAX);
    assert_int_equal(get(app, "9223372036854775807"), 200);
    /* No id is left: the store is full. */
    assert_int_equal(post(app, "{\"name\":\"c\",\"price\":1}", &R), 503);
    /* Page by page, the cursors being the largest ids. */
    assert_int_equal(list(app, "limit=2"), 200);
    assert_int_equal(json_array_size(json_object_get(R.json, "items")), 2);
    assert_string_equal(jstr(&R, "next_cursor"), "9223372036854775806");
    snprintf(query, sizeof(query), "limit=1&cursor=%s", jstr(&R, "next_cursor"));
    assert_int_equal(list(app, query), 200);
    assert_int_equal(json_array_size(json_object_get(R.json, "items")), 1);
    assert_true(json_is_null(json_object_get(R.json, "next_cursor")));
    assert_int_equal(list(app, "limit=1&cursor=9223372036854775805"), 200);
    assert_string_equal(jstr(&R, "next_cursor"), "9223372036854775806");
    assert_int_equal(list(app, "cursor=9223372036854775807"), 200);
    assert_string_equal(R.text, "{\"items\":[],\"next_cursor\":null}");
    items_app_close(app);
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* One call of each item operation, whatever its answer (404, 422...). */
static int any_op(struct items_app *app, int which)
{
    switch (which) {
    case 0:
        return get(app, "1");
    case 1:
        return list(app, NULL);
    case 2:
        return post(app, "{}", &R);
    case 3:
        return call(items_replace, app, "application/json", "{}", "1", NULL, &R);
    case 4:
        return call(items_patch, app, "application/json", "{}", "1", NULL, &R);
    }
    return call(items_delete, app, NULL, NULL, "1", NULL, &R);
}

/* REQ: ITEMS-070 */
/* REQ: ITEMS-071 */
/* REQ: ITEMS-072 */
/* REQ: ITEMS-073 */
static void test_rate_limit(void **state)
{
    (void)state;
    for (int op = 0; op < 6; op++) {
        struct items_app *app = app_new(100, 1, 3);
        struct timespec t0, t1;
        int served = 0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (served < 20 && any_op(app, op) != 429)
            served++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_string_equal(err_code(&R), "rate_limited");
        assert_true(R.retry_after >= 1);
        /* At least the burst, at most burst + rate * t + 1. */
        assert_true(served >= 3);
        assert_true(served <= 3 + (t1.tv_sec - t0.tv_sec) + 1);
        /* Another address has its own bucket. */
        assert_int_equal(call_from(items_get, app, "127.0.0.2", NULL, NULL, "1", NULL, &R), 404);
        /* /metrics and /healthz are not limited. */
        assert_int_equal(call(items_metrics, app, NULL, NULL, NULL, NULL, &R), 200);
        assert_int_equal(call(items_health, app, NULL, NULL, NULL, NULL, &R), 200);
        items_app_close(app);
    }
}

/* REQ: ITEMS-074 */
static void test_no_rate_limit_by_default(void **state)
{
    struct items_app *app = app_new(100, 0, 0);

    (void)state;
    for (int i = 0; i < 300; i++)
        assert_int_equal(get(app, "1"), 404);
    items_app_close(app);
}

/* REQ: ITEMS-120 */
static void test_max_items(void **state)
{
    struct items_app *app = app_new(2, 0, 0);
    char id[32];

    (void)state;
    create_id(app, "{\"name\":\"a\",\"price\":1}", id, sizeof(id), &R);
    assert_int_equal(post(app, "{\"name\":\"b\",\"price\":1}", &R), 201);
    assert_int_equal(post(app, "{\"name\":\"c\",\"price\":1}", &R), 503);
    assert_string_equal(err_code(&R), "unavailable");
    assert_int_equal(call(items_delete, app, NULL, NULL, id, NULL, &R), 204);
    assert_int_equal(post(app, "{\"name\":\"c\",\"price\":1}", &R), 201);
    items_app_close(app);
}

/* REQ: ITEMS-004 */
/* REQ: ITEMS-080 */
/* REQ: ITEMS-087 */
static void test_metrics_and_health(void **state)
{
    struct items_app *app = app_new(100, 5, 5);
    struct items_observation o = {.method = "GET",
                                  .route = ITEMS_ROUTE_ITEM,
                                  .path = "/items/1",
                                  .path_len = 8,
                                  .peer = "127.0.0.1",
                                  .status = 404,
                                  .ns = 1000};
    char id[32];

    (void)state;
    assert_int_equal(call(items_health, app, NULL, NULL, NULL, NULL, &R), 200);
    assert_string_equal(R.text, "{\"status\":\"ok\"}");
    create_id(app, "{\"name\":\"a\",\"price\":1}", id, sizeof(id), &R);
    assert_int_equal(post(app, "{\"name\":\"b\",\"price\":1}", &R), 201);
    items_observe(app, &o);
    items_observe(app, &o);
    items_connections(app, 1);
    assert_int_equal(call(items_metrics, app, NULL, NULL, NULL, NULL, &R), 200);
    assert_null(R.json); /* text, not JSON */
    assert_non_null(strstr(R.text, "\nitems_stored 2\n"));
    assert_non_null(strstr(R.text, "\nactive_connections 1\n"));
    assert_non_null(strstr(R.text, "\nrate_limit_clients 1\n"));
    assert_non_null(strstr(
        R.text, "http_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"404\"} 2\n"));
    assert_int_equal(call(items_delete, app, NULL, NULL, id, NULL, &R), 204);
    assert_int_equal(call(items_metrics, app, NULL, NULL, NULL, NULL, &R), 200);
    assert_non_null(strstr(R.text, "\nitems_stored 1\n"));
    items_app_close(app);
}

/* The content type of /metrics. */
/* REQ: ITEMS-080 */
static void test_metrics_content_type(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    struct buf b;
    struct items_request rq = {.peer = "127.0.0.1"};
    struct items_reply rp = {.body = &b};

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(items_metrics(app, &rq, &rp), 0);
    assert_int_equal(rp.status, 200);
    assert_string_equal(rp.content_type, "text/plain; version=0.0.4; charset=utf-8");
    buf_free(&b);
    items_app_close(app);
}

/* REQ: ITEMS-063 */
static void test_error_bodies(void **state)
{
    static const struct {
        int status;
        const char *code;
    } codes[] = {
        {400, "bad_request"},
        {404, "not_found"},
        {405, "method_not_allowed"},
        {408, "request_timeout"},
        {409, "conflict"},
        {413, "payload_too_large"},
        {415, "unsupported_media_type"},
        {422, "validation_failed"},
        {429, "rate_limited"},
        {431, "headers_too_large"},
        {500, "internal_error"},
        {501, "not_implemented"},
        {503, "unavailable"},
        {505, "version_not_supported"},
        /* Statuses without a code of their own get their class's. */
        {418, "bad_request"},
        {502, "internal_error"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        struct buf b;
        json_t *j, *err;
        char *s;

        buf_init(&b, 4096);
        assert_int_equal(items_error_body(codes[i].status, &b), 0);
        s = strndup(buf_peek(&b), buf_len(&b));
        j = json_loads(s, 0, NULL);
        assert_non_null(j);
        assert_int_equal(json_object_size(j), 1);
        err = json_object_get(j, "error");
        assert_true(json_is_object(err));
        assert_string_equal(json_string_value(json_object_get(err, "code")), codes[i].code);
        assert_true(strlen(json_string_value(json_object_get(err, "message"))) > 0);
        json_decref(j);
        free(s);
        buf_free(&b);
    }
}

/* A reply that does not fit the caller's buffer is a 500, not a crash. */
static void test_small_reply_buffer(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    struct buf b;
    struct items_request rq = {.peer = "127.0.0.1", .query = "limit=100", .query_len = 9};
    struct items_reply rp = {.body = &b};

    (void)state;
    fill(app, 50);
    buf_init(&b, 512);
    assert_int_equal(items_list(app, &rq, &rp), 0);
    assert_int_equal(rp.status, 500);
    buf_free(&b);
    /* Not even room for the error: a negative errno for the front end. */
    buf_init(&b, 8);
    assert_true(items_list(app, &rq, &rp) < 0);
    buf_free(&b);
    items_app_close(app);
}

/* Reads what the pipe holds (non-blocking) into buf. */
static size_t drain(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    ssize_t k;

    while (len + 1 < cap && (k = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)k;
    buf[len] = '\0';
    return len;
}

/* REQ: ITEMS-091 */
/* REQ: ITEMS-092 */
/* REQ: ITEMS-094 */
static void test_log_lines(void **state)
{
    struct items_config cfg = {.storage = ITEMS_MEMORY, .max_items = 10, .log_level = ITEMS_WARN};
    struct items_app *app;
    struct items_observation o = {.method = "GET",
                                  .route = ITEMS_ROUTE_ITEM,
                                  .path = "/items/\"x\"",
                                  .path_len = 10,
                                  .peer = "127.0.0.2",
                                  .status = 404,
                                  .ns = 1234567,
                                  .traceparent =
                                      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                  .traceparent_len = 55};
    char err[128], text[8192];
    int fds[2];
    json_t *j;

    (void)state;
    assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
    cfg.log_fd = fds[1];
    assert_int_equal(items_app_open(&cfg, &app, err, sizeof(err)), 0);
    items_observe(app, &o);
    drain(fds[0], text, sizeof(text));
    j = json_loads(text, 0, NULL); /* one line, one object */
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "request");
    assert_string_equal(json_string_value(json_object_get(j, "trace_id")),
                        "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(j, "route")), "/items/{id}");
    assert_string_equal(json_string_value(json_object_get(j, "path")), "/items/\"x\"");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
    assert_true(json_real_value(json_object_get(j, "latency_ms")) == 1.235);
    assert_string_equal(json_string_value(json_object_get(j, "client")), "127.0.0.2");
    json_decref(j);
    /* Below warn: nothing; 5xx: error. */
    o.status = 200;
    items_observe(app, &o);
    items_log(app, ITEMS_INFO, "listening on %s", "127.0.0.1:1");
    assert_int_equal(drain(fds[0], text, sizeof(text)), 0);
    o.status = 503;
    items_observe(app, &o);
    drain(fds[0], text, sizeof(text));
    j = json_loads(text, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
    json_decref(j);
    items_log(app, ITEMS_WARN, "stopping %d", 1);
    drain(fds[0], text, sizeof(text));
    j = json_loads(text, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "stopping 1");
    assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
    json_decref(j);
    items_app_close(app);
    close(fds[0]);
    close(fds[1]);
}

/* An SQLite path that cannot be opened is an error with a reason. */
/* REQ: ITEMS-114 */
static void test_open_fails_with_reason(void **state)
{
    struct items_config cfg = {.storage = ITEMS_SQLITE,
                               .db_path = "/nonexistent-dir/items.db",
                               .max_items = 10,
                               .log_fd = -1};
    struct items_app *app = NULL;
    char err[256] = "";

    (void)state;
    assert_true(items_app_open(&cfg, &app, err, sizeof(err)) < 0);
    assert_null(app);
    assert_non_null(strstr(err, "/nonexistent-dir/items.db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_get),
        cmocka_unit_test(test_ids_grow_and_are_never_reused),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_list_bad_parameters),
        cmocka_unit_test(test_list_is_keyset),
        cmocka_unit_test(test_list_largest_ids),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_no_rate_limit_by_default),
        cmocka_unit_test(test_max_items),
        cmocka_unit_test(test_metrics_and_health),
        cmocka_unit_test(test_metrics_content_type),
        cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_small_reply_buffer),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_open_fails_with_reason),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    json_decref(R.json);
    return rc;
}
