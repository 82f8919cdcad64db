/* libFuzzer harness for query-string decoding (`make fuzz`):
 * http_percent_decode() in impl/http/lib/http_parse.c, and how the items
 * service reads the query of GET /items (limit, cursor) and the {id} of
 * /items/{id} (impl/items/lib/api.c).
 *
 * The first input byte picks the mode; the rest is the text, in a buffer of
 * exactly its size (ASan sees a read past it). It checks:
 *   - percent decoding (each of plus_is_space and allow_nul) agrees with a
 *     plain decoder written here from RFC 3986 §2.1, never writes more than
 *     it read, and gives the same in place;
 *   - GET /items?<text> on a store of STORED items answers what a model of
 *     specs/items.md predicts: parameters split at '&', name and value at
 *     the first '=', both percent-decoded ('+' stays '+'); the first
 *     "limit" and the first "cursor" count, a bad value of either is 400
 *     (an id is 1..2^63-1 in plain digits without a leading zero; a limit
 *     at most 100), a name that does not decode is no parameter; the page
 *     holds exactly the next `limit` ids after the cursor and next_cursor
 *     the last of them when more follow;
 *   - GET /items/<text> (the {id} as the router decoded it) is 200 for a
 *     stored id and 404 for anything else. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "fuzz_util.h"
#include "http_parse.h"

#define STORED 30

static struct items_app *app;

/* The reference decoder: -1 for a '%' without two hex digits after it, or
 * a NUL (decoded or raw) when !nul. */
static ssize_t ref_decode(const char *s, size_t n, char *out, int plus, int nul)
{
    ssize_t w = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (n - i < 3 || hexv((unsigned char)s[i + 1]) < 0 || hexv((unsigned char)s[i + 2]) < 0)
                return -1;
            c = (char)(hexv((unsigned char)s[i + 1]) * 16 + hexv((unsigned char)s[i + 2]));
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0 && !nul)
            return -1;
        out[w++] = c;
    }
    return w;
}

static void fuzz_percent(const char *buf, size_t n, int flags)
{
    char *out = malloc(n + 1), *ref = malloc(n + 1);
    int plus = flags & 1, nul = (flags >> 1) & 1;

    CHECK(out && ref);
    ssize_t want = ref_decode(buf, n, ref, plus, nul);
    ssize_t got = http_percent_decode(buf, n, out, plus, nul);
    CHECK(got == want);
    CHECK(got <= (ssize_t)n);
    if (got > 0)
        CHECK(memcmp(out, ref, (size_t)got) == 0);
    /* In place gives the same. */
    memcpy(out, buf, n);
    CHECK(http_percent_decode(out, n, out, plus, nul) == want);
    if (want > 0)
        CHECK(memcmp(out, ref, (size_t)want) == 0);
    free(out);
    free(ref);
}

/* Runs op with a query or an id; returns the status and the parsed body. */
static int run(int (*op)(struct items_app *, const struct items_request *, struct items_reply *),
               const char *query, size_t qlen, const char *id, size_t idlen, json_t **json)
{
    struct buf b;
    struct items_request rq = {
        .peer = "127.0.0.1",
        .query = query,
        .query_len = qlen,
        .id = id,
        .id_len = idlen,
    };
    struct items_reply rp = {.body = &b};
    json_error_t err;

    buf_init(&b, 1 << 20);
    CHECK(op(app, &rq, &rp) == 0);
    *json = json_loadb(buf_peek(&b), buf_len(&b), 0, &err);
    if (*json == NULL) {
        fprintf(stderr, "reply %d is not JSON: %.*s\n", rp.status, (int)buf_len(&b), buf_peek(&b));
        abort();
    }
    buf_free(&b);
    return rp.status;
}

/* Opens the service once with STORED items, ids 1..STORED. */
static void setup(void)
{
    struct items_config cfg = {
        .storage = ITEMS_MEMORY, .max_items = 1000, .log_level = ITEMS_ERROR, .log_fd = -1};
    char err[256];

    CHECK(items_app_open(&cfg, &app, err, sizeof(err)) == 0);
    for (int i = 1; i <= STORED; i++) {
        char body[64];
        struct buf b;
        int n = snprintf(body, sizeof(body), "{\"name\":\"item%d\",\"price\":%d}", i, i);
        struct items_request rq = {.peer = "127.0.0.1",
                                   .content_type = "application/json",
                                   .content_type_len = 16,
                                   .body = body,
                                   .body_len = (size_t)n};
        struct items_reply rp = {.body = &b};
        buf_init(&b, 1 << 20);
        CHECK(items_create(app, &rq, &rp) == 0 && rp.status == 201);
        buf_free(&b);
    }
}

/* The only spelling of an id: 1..2^63-1, plain digits, no leading zero. */
static bool id_text(const char *s, size_t n, int64_t *v)
{
    unsigned __int128 x = 0;

    if (n == 0 || s[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (unsigned)(s[i] - '0');
        if (x > INT64_MAX)
            return false;
    }
    *v = (int64_t)x;
    return true;
}

/* The model of GET /items?q: returns 400 or 200 with *limit and *after. */
static int model_list(const char *q, size_t n, int64_t *limit, int64_t *after)
{
    bool have_limit = false, have_cursor = false;
    char *key = malloc(n + 1), *val = malloc(n + 1);
    size_t i = 0;
    int status = 200;

    CHECK(key && val);
    *limit = 20;
    *after = 0;
    while (i < n && status == 200) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp != NULL ? (size_t)(amp - q) : n;
        const char *eq = memchr(q + i, '=', end - i);
        size_t kend = eq != NULL ? (size_t)(eq - q) : end;
        size_t vstart = eq != NULL ? kend + 1 : end;
        ssize_t kn = ref_decode(q + i, kend - i, key, 0, 0);
        ssize_t vn = ref_decode(q + vstart, end - vstart, val, 0, 0);
        int64_t v = 0;
        bool ok = vn >= 0 && id_text(val, (size_t)vn, &v);

        if (kn == 5 && memcmp(key, "limit", 5) == 0 && !have_limit) {
            if (!ok || v > 100)
                status = 400;
            *limit = v;
            have_limit = true;
        } else if (kn == 6 && memcmp(key, "cursor", 6) == 0 && !have_cursor) {
            if (!ok)
                status = 400;
            *after = v;
            have_cursor = true;
        }
        i = amp != NULL ? end + 1 : n;
    }
    free(key);
    free(val);
    return status;
}

static void fuzz_list(const char *q, size_t n)
{
    int64_t limit, after;
    int want = model_list(q, n, &limit, &after);
    json_t *j;
    int status = run(items_list, q, n, NULL, 0, &j);

    if (status != want) {
        fprintf(stderr, "GET /items?%.*s: %d, model %d\n", (int)n, q, status, want);
        abort();
    }
    if (status == 200) {
        json_t *items = json_object_get(j, "items"), *next = json_object_get(j, "next_cursor");
        /* (A cursor may be near 2^63: no sum with it before the compare.) */
        int64_t first = after + 1, last = after >= STORED ? 0 : after + limit;
        if (last > STORED)
            last = STORED;
        size_t count = after < STORED ? (size_t)(last - first + 1) : 0;

        CHECK(json_array_size(items) == count);
        for (size_t i = 0; i < count; i++)
            CHECK(json_integer_value(json_object_get(json_array_get(items, i), "id")) ==
                  first + (int64_t)i);
        if (count > 0 && last < STORED) {
            char want_next[24];
            snprintf(want_next, sizeof(want_next), "%lld", (long long)last);
            CHECK(json_is_string(next) && strcmp(json_string_value(next), want_next) == 0);
        } else {
            CHECK(json_is_null(next));
        }
    } else {
        json_t *e = json_object_get(j, "error");
        CHECK(strcmp(json_string_value(json_object_get(e, "code")), "bad_request") == 0);
    }
    json_decref(j);
}

static void fuzz_id(const char *id, size_t n)
{
    int64_t v = 0;
    bool stored = id_text(id, n, &v) && v >= 1 && v <= STORED;
    json_t *j;
    int status = run(items_get, NULL, 0, id, n, &j);

    CHECK(status == (stored ? 200 : 404));
    if (stored)
        CHECK(json_integer_value(json_object_get(j, "id")) == v);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (app == NULL)
        setup();
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *buf = fuzz_input(data, size, &n, &seed);

    switch ((ctl >> 2) & 3) {
    case 0:
    case 1:
        fuzz_list(buf, n);
        break;
    case 2:
        fuzz_id(buf, n);
        break;
    default:
        break;
    }
    /* Every query string is also decoded on its own. */
    fuzz_percent(buf, n, ctl & 3);
    free(buf);
    return 0;
}
