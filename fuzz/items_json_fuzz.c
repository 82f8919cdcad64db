/* libFuzzer harness for the items service's request validation
 * (impl/items/lib/api.c: Content-Type, the JSON body, the item's rules;
 * `make fuzz`), through the operations a front end calls, on the memory
 * store.
 *
 * The first input byte picks the operation (POST /items, PUT or PATCH
 * /items/{id} of a stored item) and the Content-Type; the rest is the body,
 * in a buffer of exactly its size (ASan sees a read past it). The status
 * must be the one a model of specs/items.md written here predicts:
 *   415 for a media type the operation does not take; 400 for a body that
 *   is not one JSON object (jansson, with duplicate names refused, is the
 *   judge of JSON); 422 naming the first member, in the body's order, that
 *   breaks its rule, or the first required member missing; 409 for a new
 *   item whose name is taken; else 201 or 200.
 * Every reply must be JSON; an error reply has the code of its status and
 * a message; an item reply holds exactly the values the model computed
 * (the price read back equal to the double sent), and GET returns the same
 * text. The store is put back as it was after each input (the new item
 * deleted, the stored one replaced with its old self), so every input is
 * judged alone and replays the same. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "fuzz_util.h"
#include "store.h"

#define BASE_BODY "{\"name\":\"base\",\"price\":2.5,\"quantity\":3,\"tags\":[\"t\"]}"

static struct items_app *app;
static char base_id[24];

/* An item as the model sees it. */
struct model_item {
    const char *name;
    size_t name_len;
    double price;
    json_int_t quantity;
    const json_t *tags; /* NULL: none */
};

struct reply {
    int status;
    char *text; /* NUL-terminated */
    json_t *json;
};

/* Runs op on the given request pieces. */
static struct reply run(int (*op)(struct items_app *, const struct items_request *,
                                  struct items_reply *),
                        const char *ctype, const char *body, size_t body_len, const char *id)
{
    struct buf b;
    struct items_request rq = {
        .peer = "127.0.0.1",
        .content_type = ctype,
        .content_type_len = ctype != NULL ? strlen(ctype) : 0,
        .body = body,
        .body_len = body_len,
        .id = id,
        .id_len = id != NULL ? strlen(id) : 0,
    };
    struct items_reply rp = {.body = &b};
    struct reply r;
    json_error_t err;

    buf_init(&b, 1 << 20);
    CHECK(op(app, &rq, &rp) == 0);
    r.status = rp.status;
    r.text = malloc(buf_len(&b) + 1);
    CHECK(r.text);
    if (buf_len(&b) > 0)
        memcpy(r.text, buf_peek(&b), buf_len(&b));
    r.text[buf_len(&b)] = '\0';
    buf_free(&b);
    r.json = NULL;
    if (r.status != 204) {
        r.json = json_loads(r.text, JSON_REJECT_DUPLICATES, &err);
        if (r.json == NULL) {
            fprintf(stderr, "reply %d is not JSON: %s\n", r.status, r.text);
            abort();
        }
    }
    return r;
}

static void reply_free(struct reply *r)
{
    free(r->text);
    json_decref(r->json);
}

/* Opens the service once: memory store, no rate limit, nothing logged;
 * one stored item, the target of PUT and PATCH. */
static void setup(void)
{
    struct items_config cfg = {
        .storage = ITEMS_MEMORY,
        .max_items = 1000,
        .log_level = ITEMS_ERROR,
        .log_fd = -1,
    };
    char err[256];

    CHECK(items_app_open(&cfg, &app, err, sizeof(err)) == 0);
    struct reply r = run(items_create, "application/json", BASE_BODY, strlen(BASE_BODY), NULL);
    CHECK(r.status == 201);
    snprintf(base_id, sizeof(base_id), "%lld",
             (long long)json_integer_value(json_object_get(r.json, "id")));
    reply_free(&r);
}

/* The characters of a JSON string, or -1 when it holds a control one. */
static long chars(const json_t *s)
{
    const unsigned char *p = (const unsigned char *)json_string_value(s);
    size_t n = json_string_length(s);
    long c = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            return -1;
        c += (p[i] & 0xc0) != 0x80;
    }
    return c;
}

static bool text_ok(const json_t *v, long max)
{
    long c = json_is_string(v) ? chars(v) : -1;
    return c >= 1 && c <= max;
}

/* The model's judgement of the object doc for an operation: NULL when the
 * item is valid (then *it is the result), else the member at fault. */
static const char *model_validate(const json_t *doc, int op, json_int_t path_id,
                                  struct model_item *it)
{
    bool seen_name = false, seen_price = false;
    const char *key;
    json_t *v;

    if (op != 2) {
        /* A whole item: the optional members start at their defaults. */
        it->quantity = 0;
        it->tags = NULL;
    }
    json_object_foreach((json_t *)doc, key, v)
    {
        if (strcmp(key, "id") == 0) {
            if (op == 0 || !json_is_integer(v) || json_integer_value(v) != path_id)
                return "id";
            continue;
        }
        if (json_is_null(v) && op == 2) {
            if (strcmp(key, "quantity") == 0)
                it->quantity = 0;
            else if (strcmp(key, "tags") == 0)
                it->tags = NULL;
            else
                return key; /* unknown, or required */
            continue;
        }
        if (strcmp(key, "name") == 0) {
            if (!text_ok(v, ITEM_NAME_MAX))
                return key;
            it->name = json_string_value(v);
            it->name_len = json_string_length(v);
            seen_name = true;
        } else if (strcmp(key, "price") == 0) {
            if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
                json_number_value(v) > 1000000)
                return key;
            it->price = json_number_value(v);
            seen_price = true;
        } else if (strcmp(key, "quantity") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 1000000000)
                return key;
            it->quantity = json_integer_value(v);
        } else if (strcmp(key, "tags") == 0) {
            if (!json_is_array(v) || json_array_size(v) > ITEM_TAGS_MAX)
                return key;
            for (size_t i = 0; i < json_array_size(v); i++) {
                if (!text_ok(json_array_get(v, i), ITEM_TAG_MAX))
                    return key;
            }
            it->tags = json_array_size(v) > 0 ? v : NULL;
        } else {
            return key;
        }
    }
    if (op != 2 && !seen_name)
        return "name";
    if (op != 2 && !seen_price)
        return "price";
    return NULL;
}

static const char *error_code(int status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 409:
        return "conflict";
    case 415:
        return "unsupported_media_type";
    case 422:
        return "validation_failed";
    }
    return "?";
}

/* Checks an error reply's object: its code, a message, and for 422 the
 * member at fault. */
static void check_error(const struct reply *r, const char *field)
{
    json_t *e = json_object_get(r->json, "error");

    CHECK(json_is_object(e));
    CHECK(strcmp(json_string_value(json_object_get(e, "code")), error_code(r->status)) == 0);
    CHECK(json_string_length(json_object_get(e, "message")) > 0);
    if (r->status == 422) {
        const char *f = json_string_value(json_object_get(e, "field"));
        CHECK(f != NULL && strcmp(f, field) == 0);
    }
}

/* Checks an item reply against the model's item. */
static void check_item(const struct reply *r, const struct model_item *it)
{
    json_t *j = r->json, *tags = json_object_get(j, "tags");

    CHECK(json_object_size(j) == 5 && json_is_integer(json_object_get(j, "id")));
    CHECK(json_string_length(json_object_get(j, "name")) == it->name_len);
    CHECK(memcmp(json_string_value(json_object_get(j, "name")), it->name, it->name_len) == 0);
    CHECK(json_number_value(json_object_get(j, "price")) == it->price);
    CHECK(json_integer_value(json_object_get(j, "quantity")) == it->quantity);
    CHECK(json_is_array(tags));
    CHECK(json_array_size(tags) == (it->tags != NULL ? json_array_size(it->tags) : 0));
    for (size_t i = 0; i < json_array_size(tags); i++)
        CHECK(json_equal(json_array_get(tags, i), json_array_get(it->tags, i)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The media types a client may send, and which operations take them:
     * bit 0 POST and PUT, bit 1 PATCH. */
    static const struct {
        const char *type;
        int ok;
    } ctypes[] = {
        {"application/json", 3},
        {"application/merge-patch+json", 2},
        {"Application/JSON; charset=utf-8", 3},
        {" application/json\t;x=y", 3},
        {"text/plain", 0},
        {NULL, 0},
        {"application/jsonx", 0},
        {"application/json-patch+json", 0},
    };
    if (app == NULL)
        setup();
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t n;
    uint32_t seed;
    char *body = fuzz_input(data, size, &n, &seed);
    int op = ctl % 3; /* POST, PUT, PATCH */
    size_t ct = (ctl >> 2) % (sizeof(ctypes) / sizeof(ctypes[0]));
    json_int_t path_id = strtoll(base_id, NULL, 10);
    struct model_item it = {"base", 4, 2.5, 3, NULL};
    json_t *base_tags = json_pack("[s]", "t");
    it.tags = base_tags;

    /* The model. */
    int want;
    const char *field = NULL;
    json_error_t err;
    json_t *doc = json_loadb(body, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    bool overflow = doc == NULL && json_error_code(&err) == json_error_numeric_overflow;
    if (!(ctypes[ct].ok & (op == 2 ? 2 : 1)))
        want = 415;
    else if (doc == NULL || !json_is_object(doc))
        want = 400;
    else if ((field = model_validate(doc, op, path_id, &it)) != NULL)
        want = 422;
    else if (op == 0 && it.name_len == 4 && memcmp(it.name, "base", 4) == 0)
        want = 409;
    else
        want = op == 0 ? 201 : 200;

    static int (*const ops[])(struct items_app *, const struct items_request *,
                              struct items_reply *) = {items_create, items_replace, items_patch};
    struct reply r = run(ops[op], ctypes[ct].type, body, n, op == 0 ? NULL : base_id);

    if (want != 415 && overflow) {
        /* A number too large for jansson is valid JSON out of range: 422
         * when it is reached, 400 when the body is wrong elsewhere. */
        CHECK(r.status == 400 || r.status == 422);
    } else if (r.status != want) {
        fprintf(stderr, "status %d, model %d (%s): %s\n", r.status, want, field ? field : "-",
                r.text);
        abort();
    } else if (want >= 400) {
        check_error(&r, field);
    } else {
        check_item(&r, &it);
        /* GET gives the same item, then the store is put back. */
        const char *id = op == 0 ? NULL : base_id;
        char made[24];
        if (op == 0) {
            snprintf(made, sizeof(made), "%lld",
                     (long long)json_integer_value(json_object_get(r.json, "id")));
            id = made;
        }
        struct reply g = run(items_get, NULL, NULL, 0, id);
        CHECK(g.status == 200 && strcmp(g.text, r.text) == 0);
        reply_free(&g);
        g = op == 0 ? run(items_delete, NULL, NULL, 0, id)
                    : run(items_replace, "application/json", BASE_BODY, strlen(BASE_BODY), id);
        CHECK(g.status == (op == 0 ? 204 : 200));
        reply_free(&g);
    }
    /* A number too large is out of range for every member: never stored. */
    CHECK(!(overflow && r.status < 300));
    reply_free(&r);
    json_decref(doc);
    json_decref(base_tags);
    free(body);
    return 0;
}
