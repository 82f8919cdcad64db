/* Unit tests for the item's validation in api.c, through the operations
 * (POST, PUT, PATCH) on the memory store: every field rule on both sides of
 * each bound, types, unknown members, the id rules, bodies that are not
 * one JSON object, media types, and the merge-patch rules. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "apitest.h"

#define MERGE "application/merge-patch+json"

static struct result R;

/* A body {"name":"pen","price":1.5,<extra>}; extra may be "". */
static const char *with(const char *extra)
{
    static char body[8192];

    snprintf(body, sizeof(body), "{\"name\":\"pen\",\"price\":1.5%s%s}", extra[0] ? "," : "",
             extra);
    return body;
}

/* `n` copies of the UTF-8 text s, quoted, as a JSON string. */
static const char *repeat(const char *s, int n)
{
    static char out[4][4096];
    static int next;
    char *o = out[next++ % 4];
    size_t len = 0, k = strlen(s);

    o[len++] = '"';
    for (int i = 0; i < n; i++, len += k)
        memcpy(o + len, s, k);
    o[len++] = '"';
    o[len] = '\0';
    return o;
}

/* POSTs {"name":<name>,"price":1} to a fresh store; returns the status. */
static int post_name(const char *name)
{
    struct items_app *app = app_new(100, 0, 0);
    char body[4096];
    int status;

    snprintf(body, sizeof(body), "{\"name\":%s,\"price\":1}", name);
    status = post(app, body, &R);
    items_app_close(app);
    return status;
}

static int post_body(const char *body)
{
    struct items_app *app = app_new(100, 0, 0);
    int status = post(app, body, &R);

    items_app_close(app);
    return status;
}

/* REQ: ITEMS-014 */
static void test_name_rules(void **state)
{
    (void)state;
    assert_int_equal(post_name("\"p\""), 201);
    assert_int_equal(post_name(repeat("a", 100)), 201);
    assert_int_equal(post_name(repeat("a", 101)), 422);
    assert_422(&R, "name");
    assert_int_equal(post_name("\"\""), 422);
    assert_422(&R, "name");
    /* Characters, not bytes: 100 of 2, 3 and 4 bytes pass, 101 do not. */
    assert_int_equal(post_name(repeat("\xc3\xa9", 100)), 201);
    assert_int_equal(post_name(repeat("\xe2\x82\xac", 100)), 201);
    assert_int_equal(post_name(repeat("\xf0\x9f\x98\x80", 100)), 201);
    assert_int_equal(post_name(repeat("\xf0\x9f\x98\x80", 101)), 422);
    assert_422(&R, "name");
    /* \ud83d\ude00 is one character written as a surrogate pair. */
    assert_int_equal(post_name(repeat("\\ud83d\\ude00", 100)), 201);
    assert_int_equal(post_name(repeat("\\ud83d\\ude00", 101)), 422);
    /* Control characters: U+0000..U+001F and U+007F; U+0080 is not one. */
    assert_int_equal(post_name("\"a\\u0000b\""), 422);
    assert_422(&R, "name");
    assert_int_equal(post_name("\"a\\u0001b\""), 422);
    assert_int_equal(post_name("\"a\\tb\""), 422);
    assert_int_equal(post_name("\"a\\u001fb\""), 422);
    assert_int_equal(post_name("\"a\\u007fb\""), 422);
    assert_422(&R, "name");
    assert_int_equal(post_name("\"a\\u0080b\""), 201);
    assert_int_equal(post_name("\"a b\""), 201);
    /* Types. */
    assert_int_equal(post_name("1"), 422);
    assert_422(&R, "name");
    assert_int_equal(post_name("null"), 422);
    assert_int_equal(post_name("[\"a\"]"), 422);
    assert_int_equal(post_name("true"), 422);
    assert_422(&R, "name");
    assert_int_equal(post_body("{\"price\":1}"), 422);
    assert_422(&R, "name");
}

/* REQ: ITEMS-015 */
static void test_price_rules(void **state)
{
    static const struct {
        const char *price;
        int status;
    } cases[] = {
        {"0", 201},
        {"1000000", 201},
        {"1000000.0", 201},
        {"0.0", 201},
        {"-0", 201},
        {"1.5", 201},
        {"1e6", 201},
        {"1e-300", 201},
        {"-0.0001", 422},
        {"-1", 422},
        {"1000000.0001", 422},
        {"1000001", 422},
        {"1e7", 422},
        {"true", 422},
        {"false", 422},
        {"\"3\"", 422},
        {"null", 422},
        {"[1]", 422},
        {"{}", 422},
        /* Too large for jansson to hold: out of range, not a syntax error. */
        {"1e400", 422},
        {"-1e400", 422},
        {"100000000000000000000", 422},
        {"-100000000000000000000", 422},
    };
    char body[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "{\"name\":\"n\",\"price\":%s}", cases[i].price);
        if (post_body(body) != cases[i].status)
            fail_msg("price %s: got %d, want %d", cases[i].price, R.status, cases[i].status);
        if (cases[i].status == 422)
            assert_422(&R, "price");
    }
    assert_int_equal(post_body("{\"name\":\"n\"}"), 422);
    assert_422(&R, "price");
}

/* REQ: ITEMS-013 */
static void test_price_comes_back_equal(void **state)
{
    static const char *const prices[] = {"1.5",  "0.1",        "3",     "999999.99", "0.3",
                                         "1e-7", "123456.789", "2.5e2", "0"};
    struct items_app *app = app_new(100, 0, 0);
    char body[256], name[16];

    (void)state;
    for (size_t i = 0; i < sizeof(prices) / sizeof(prices[0]); i++) {
        double want = strtod(prices[i], NULL);
        snprintf(name, sizeof(name), "p%zu", i);
        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"price\":%s}", name, prices[i]);
        assert_int_equal(post(app, body, &R), 201);
        assert_true(json_number_value(json_object_get(R.json, "price")) == want);
    }
    /* And in as few digits as read back exactly: 0.1, not 0.10000000000000001. */
    assert_int_equal(post(app, "{\"name\":\"short\",\"price\":0.1}", &R), 201);
    assert_non_null(strstr(R.text, "\"price\":0.1,"));
    assert_int_equal(post(app, "{\"name\":\"onehalf\",\"price\":1.5}", &R), 201);
    assert_non_null(strstr(R.text, "\"price\":1.5,"));
    items_app_close(app);
}

/* REQ: ITEMS-016 */
static void test_quantity_rules(void **state)
{
    static const struct {
        const char *q;
        int status;
    } cases[] = {
        {"0", 201},
        {"1000000000", 201},
        {"-0", 201},
        {"7", 201},
        {"-1", 422},
        {"1000000001", 422},
        {"1.0", 422},
        {"1e2", 422},
        {"0.5", 422},
        {"\"3\"", 422},
        {"true", 422},
        {"null", 422},
        {"[]", 422},
        {"99999999999999999999", 422},
        {"-99999999999999999999", 422},
    };
    char extra[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(extra, sizeof(extra), "\"quantity\":%s", cases[i].q);
        if (post_body(with(extra)) != cases[i].status)
            fail_msg("quantity %s: got %d, want %d", cases[i].q, R.status, cases[i].status);
        if (cases[i].status == 422)
            assert_422(&R, "quantity");
    }
    /* Left out: 0. */
    assert_int_equal(post_body(with("")), 201);
    assert_int_equal(jint(&R, "quantity"), 0);
    assert_int_equal(post_body(with("\"quantity\":1000000000")), 201);
    assert_int_equal(jint(&R, "quantity"), 1000000000);
}

/* REQ: ITEMS-017 */
static void test_tags_rules(void **state)
{
    char extra[4096];
    json_t *tags;

    (void)state;
    /* Left out: []. */
    assert_int_equal(post_body(with("")), 201);
    tags = json_object_get(R.json, "tags");
    assert_true(json_is_array(tags));
    assert_int_equal(json_array_size(tags), 0);
    assert_int_equal(post_body(with("\"tags\":[]")), 201);
    /* 10 tags of 30 characters (4 bytes each) pass; 11 tags, 31 characters do not. */
    snprintf(extra, sizeof(extra), "\"tags\":[%s,%s,%s,%s,%s,%s,%s,%s,%s,%s]",
             repeat("\xf0\x9f\x98\x80", 30), repeat("b", 30), repeat("c", 30), repeat("d", 30),
             repeat("e", 30), repeat("f", 30), repeat("g", 30), repeat("h", 30), repeat("i", 30),
             repeat("j", 30));
    assert_int_equal(post_body(with(extra)), 201);
    assert_int_equal(json_array_size(json_object_get(R.json, "tags")), 10);
    assert_int_equal(post_body(with("\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
                                    "\"9\",\"10\",\"11\"]")),
                     422);
    assert_422(&R, "tags");
    snprintf(extra, sizeof(extra), "\"tags\":[%s]", repeat("x", 31));
    assert_int_equal(post_body(with(extra)), 422);
    assert_422(&R, "tags");
    assert_int_equal(post_body(with("\"tags\":[\"\"]")), 422);
    assert_422(&R, "tags");
    assert_int_equal(post_body(with("\"tags\":[\"a\\nb\"]")), 422);
    assert_int_equal(post_body(with("\"tags\":[\"a\",1]")), 422);
    assert_422(&R, "tags");
    assert_int_equal(post_body(with("\"tags\":[null]")), 422);
    assert_int_equal(post_body(with("\"tags\":\"a\"")), 422);
    assert_422(&R, "tags");
    assert_int_equal(post_body(with("\"tags\":{}")), 422);
    assert_int_equal(post_body(with("\"tags\":null")), 422);
    assert_int_equal(post_body(with("\"tags\":[1e400]")), 422);
    assert_422(&R, "tags");
    /* Order kept, duplicates allowed. */
    assert_int_equal(post_body(with("\"tags\":[\"b\",\"a\",\"b\"]")), 201);
    assert_non_null(strstr(R.text, "\"tags\":[\"b\",\"a\",\"b\"]"));
}

/* REQ: ITEMS-018 */
static void test_unknown_members_and_id(void **state)
{
    (void)state;
    assert_int_equal(post_body(with("\"color\":\"red\"")), 422);
    assert_422(&R, "color");
    assert_int_equal(post_body(with("\"color\":null")), 422);
    assert_422(&R, "color");
    assert_int_equal(post_body(with("\"Name\":\"x\"")), 422);
    assert_422(&R, "Name");
    /* The first fault in the body's order is the one named. */
    assert_int_equal(post_body("{\"zz\":1,\"name\":\"\",\"price\":1}"), 422);
    assert_422(&R, "zz");
    /* A member name that is not ASCII comes back as it was sent. */
    assert_int_equal(post_body(with("\"\xc3\xa9t\xc3\xa9\":1")), 422);
    assert_422(&R, "\xc3\xa9t\xc3\xa9");
    /* One too long for the error's message, which is cut: at a character
     * boundary, so the message is still UTF-8 and the 422 a 422 (70 "€",
     * and "a" then 50 U+1F600, both cut inside a character). */
    {
        static const char *const names[] = {
            "\xe2\x82\xac", /* € */
            "\xf0\x9f\x98\x80",
        };
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            char name[512] = "", extra[600];
            size_t len = 0;

            if (k == 1)
                name[len++] = 'a';
            for (int i = 0; i < (k == 0 ? 70 : 50); i++, len += strlen(names[k]))
                memcpy(name + len, names[k], strlen(names[k]));
            name[len] = '\0';
            snprintf(extra, sizeof(extra), "\"%s\":1", name);
            assert_int_equal(post_body(with(extra)), 422);
            assert_422(&R, name);
        }
    }
    assert_int_equal(post_body(with("\"id\":1")), 422);
    assert_422(&R, "id");
    assert_int_equal(post_body(with("\"id\":null")), 422);
    assert_422(&R, "id");
    assert_int_equal(post_body(with("\"id\":0")), 422);
    assert_422(&R, "id");
}

/* REQ: ITEMS-018 */
static void test_refused_create_stores_nothing(void **state)
{
    struct items_app *app = app_new(100, 0, 0);

    (void)state;
    assert_int_equal(post(app, "{\"name\":\"a\",\"price\":-1}", &R), 422);
    assert_int_equal(post(app, "{\"name\":\"a\"", &R), 400);
    assert_int_equal(
        call(items_create, app, "text/plain", "{\"name\":\"a\",\"price\":1}", NULL, NULL, &R), 415);
    assert_int_equal(call(items_list, app, NULL, NULL, NULL, NULL, &R), 200);
    assert_string_equal(R.text, "{\"items\":[],\"next_cursor\":null}");
    items_app_close(app);
}

/* REQ: ITEMS-021 */
static void test_body_must_be_one_object(void **state)
{
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "{\"name\":\"a\",\"price\":1",
        "{\"name\":\"a\",\"price\":1}x",
        "{\"name\":\"a\",\"price\":1}{}",
        "[]",
        "[{\"name\":\"a\",\"price\":1}]",
        "\"name\"",
        "42",
        "null",
        "{\"name\":\"a\",\"price\":1,}",
        "{'name':'a'}",
        "{\"name\":\"a\xff\",\"price\":1}",        /* not UTF-8 */
        "{\"name\":\"\xc0\xaf\",\"price\":1}",     /* overlong */
        "{\"name\":\"\xed\xa0\x80\",\"price\":1}", /* a surrogate in UTF-8 */
        "{\"name\":\"a\",\"price\":1,\"name\":\"b\"}",
        "{\"name\":\"a\",\"price\":1,\"price\":1}",
        "{\"name\":\"a\",\"price\":1,\"tags\":[],\"tags\":[]}",
        "\xef\xbb\xbf{\"name\":\"a\",\"price\":1}", /* a byte order mark */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (post_body(bad[i]) != 400)
            fail_msg("body %zu '%s': got %d, want 400", i, bad[i], R.status);
        assert_string_equal(err_code(&R), "bad_request");
    }
    /* Whitespace around the object is fine. */
    assert_int_equal(post_body(" \n{\"name\":\"a\",\"price\":1}\r\n "), 201);
}

/* REQ: ITEMS-020 */
/* REQ: ITEMS-042 */
static void test_media_types(void **state)
{
    static const struct {
        const char *ctype;
        int post, patch;
    } cases[] = {
        {"application/json", 201, 200},
        {"Application/JSON; charset=utf-8", 201, 200},
        {"application/json;charset=UTF-8", 201, 200},
        {" application/json ", 201, 200},
        {"application/merge-patch+json", 415, 200},
        {"APPLICATION/MERGE-PATCH+JSON; x=y", 415, 200},
        {"text/plain", 415, 415},
        {"application/jsonx", 415, 415},
        {"application/json-patch+json", 415, 415},
        {"", 415, 415},
        {NULL, 415, 415},
    };
    char name[32], id[32];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct items_app *app = app_new(100, 0, 0);
        create_id(app, "{\"name\":\"x\",\"price\":1}", id, sizeof(id), &R);
        snprintf(name, sizeof(name), "{\"name\":\"n%zu\",\"price\":1}", i);
        assert_int_equal(call(items_create, app, cases[i].ctype, name, NULL, NULL, &R),
                         cases[i].post);
        if (R.status == 415)
            assert_string_equal(err_code(&R), "unsupported_media_type");
        assert_int_equal(
            call(items_replace, app, cases[i].ctype, "{\"name\":\"x\",\"price\":2}", id, NULL, &R),
            cases[i].post == 201 ? 200 : 415);
        assert_int_equal(call(items_patch, app, cases[i].ctype, "{}", id, NULL, &R),
                         cases[i].patch);
        items_app_close(app);
    }
}

/* REQ: ITEMS-040 */
/* REQ: ITEMS-043 */
static void test_put_rules(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    char id[32], other[32], body[128];

    (void)state;
    create_id(app, "{\"name\":\"pen\",\"price\":1,\"quantity\":5,\"tags\":[\"a\"]}", id, sizeof(id),
              &R);
    /* Omitted optional members get their defaults. */
    assert_int_equal(call(items_replace, app, "application/json", "{\"name\":\"pen\",\"price\":2}",
                          id, NULL, &R),
                     200);
    assert_int_equal(jint(&R, "quantity"), 0);
    assert_int_equal(json_array_size(json_object_get(R.json, "tags")), 0);
    assert_string_equal(jstr(&R, "name"), "pen");
    /* An id equal to the path's is accepted; any other id is not. */
    snprintf(body, sizeof(body), "{\"id\":%s,\"name\":\"pen\",\"price\":3}", id);
    assert_int_equal(call(items_replace, app, "application/json", body, id, NULL, &R), 200);
    snprintf(body, sizeof(body), "{\"id\":%lld,\"name\":\"pen\",\"price\":3}", atoll(id) + 1);
    assert_int_equal(call(items_replace, app, "application/json", body, id, NULL, &R), 422);
    assert_422(&R, "id");
    snprintf(body, sizeof(body), "{\"id\":\"%s\",\"name\":\"pen\",\"price\":3}", id);
    assert_int_equal(call(items_replace, app, "application/json", body, id, NULL, &R), 422);
    assert_422(&R, "id");
    snprintf(body, sizeof(body), "{\"id\":%s.0,\"name\":\"pen\",\"price\":3}", id);
    assert_int_equal(call(items_replace, app, "application/json", body, id, NULL, &R), 422);
    assert_422(&R, "id");
    /* The same rules as POST, and a refused PUT changes nothing. */
    assert_int_equal(
        call(items_replace, app, "application/json", "{\"name\":\"pen\"}", id, NULL, &R), 422);
    assert_422(&R, "price");
    assert_int_equal(call(items_replace, app, "application/json",
                          "{\"name\":\"pen\",\"price\":1,\"x\":1}", id, NULL, &R),
                     422);
    assert_422(&R, "x");
    assert_int_equal(call(items_replace, app, "application/json",
                          "{\"name\":\"pen\",\"price\":1,\"quantity\":null}", id, NULL, &R),
                     422);
    assert_422(&R, "quantity");
    assert_int_equal(call(items_replace, app, "application/json", "[]", id, NULL, &R), 400);
    assert_int_equal(call(items_get, app, NULL, NULL, id, NULL, &R), 200);
    assert_true(json_number_value(json_object_get(R.json, "price")) == 3);
    /* 404 for an id that names nothing, and PUT creates nothing. */
    assert_int_equal(call(items_replace, app, "application/json", "{\"name\":\"new\",\"price\":1}",
                          "999", NULL, &R),
                     404);
    assert_string_equal(err_code(&R), "not_found");
    assert_int_equal(call(items_get, app, NULL, NULL, "999", NULL, &R), 404);
    /* Names: keeping one's own is fine, taking another's is a conflict. */
    create_id(app, "{\"name\":\"cup\",\"price\":1}", other, sizeof(other), &R);
    assert_int_equal(call(items_replace, app, "application/json", "{\"name\":\"cup\",\"price\":9}",
                          id, NULL, &R),
                     409);
    assert_string_equal(err_code(&R), "conflict");
    assert_int_equal(call(items_replace, app, "application/json", "{\"name\":\"cup\",\"price\":9}",
                          other, NULL, &R),
                     200);
    items_app_close(app);
}

/* REQ: ITEMS-041 */
/* REQ: ITEMS-043 */
/* REQ: ITEMS-044 */
static void test_merge_patch_rules(void **state)
{
    struct items_app *app = app_new(100, 0, 0);
    char id[32], before[4096], body[128];

    (void)state;
    create_id(app, "{\"name\":\"pen\",\"price\":1.5,\"quantity\":5,\"tags\":[\"a\",\"b\"]}", id,
              sizeof(id), &R);
    strcpy(before, R.text);
    /* {} changes nothing and answers the item. */
    assert_int_equal(call(items_patch, app, MERGE, "{}", id, NULL, &R), 200);
    assert_string_equal(R.text, before);
    /* Members present replace, absent ones stay. */
    assert_int_equal(call(items_patch, app, MERGE, "{\"price\":2}", id, NULL, &R), 200);
    assert_true(json_number_value(json_object_get(R.json, "price")) == 2);
    assert_int_equal(jint(&R, "quantity"), 5);
    assert_string_equal(jstr(&R, "name"), "pen");
    /* An array is replaced whole, not merged. */
    assert_int_equal(call(items_patch, app, MERGE, "{\"tags\":[\"c\"]}", id, NULL, &R), 200);
    assert_non_null(strstr(R.text, "\"tags\":[\"c\"]"));
    /* null resets an optional member... */
    assert_int_equal(
        call(items_patch, app, MERGE, "{\"quantity\":null,\"tags\":null}", id, NULL, &R), 200);
    assert_int_equal(jint(&R, "quantity"), 0);
    assert_non_null(strstr(R.text, "\"tags\":[]"));
    /* ...and is refused for a required one; the item stays as it was. */
    assert_int_equal(call(items_patch, app, MERGE, "{\"quantity\":3}", id, NULL, &R), 200);
    strcpy(before, R.text);
    assert_int_equal(call(items_patch, app, MERGE, "{\"name\":null}", id, NULL, &R), 422);
    assert_422(&R, "name");
    assert_int_equal(call(items_patch, app, MERGE, "{\"quantity\":4,\"price\":null}", id, NULL, &R),
                     422);
    assert_422(&R, "price");
    assert_int_equal(call(items_patch, app, MERGE, "{\"quantity\":1.0}", id, NULL, &R), 422);
    assert_422(&R, "quantity");
    assert_int_equal(call(items_patch, app, MERGE, "{\"color\":null}", id, NULL, &R), 422);
    assert_422(&R, "color");
    assert_int_equal(call(items_get, app, NULL, NULL, id, NULL, &R), 200);
    assert_string_equal(R.text, before);
    /* id: only the path's. */
    snprintf(body, sizeof(body), "{\"id\":%s,\"quantity\":8}", id);
    assert_int_equal(call(items_patch, app, MERGE, body, id, NULL, &R), 200);
    assert_int_equal(jint(&R, "quantity"), 8);
    assert_int_equal(jint(&R, "id"), atoll(id));
    snprintf(body, sizeof(body), "{\"id\":%lld}", atoll(id) + 1);
    assert_int_equal(call(items_patch, app, MERGE, body, id, NULL, &R), 422);
    assert_422(&R, "id");
    assert_int_equal(call(items_patch, app, MERGE, "{\"id\":null}", id, NULL, &R), 422);
    assert_422(&R, "id");
    /* Bodies that are not one object. */
    assert_int_equal(call(items_patch, app, MERGE, "[]", id, NULL, &R), 400);
    assert_int_equal(call(items_patch, app, MERGE, "null", id, NULL, &R), 400);
    assert_int_equal(call(items_patch, app, MERGE, "", id, NULL, &R), 400);
    /* A missing item. */
    assert_int_equal(call(items_patch, app, MERGE, "{}", "999", NULL, &R), 404);
    /* Names. */
    assert_int_equal(post(app, "{\"name\":\"cup\",\"price\":1}", &R), 201);
    assert_int_equal(call(items_patch, app, MERGE, "{\"name\":\"cup\"}", id, NULL, &R), 409);
    assert_int_equal(call(items_patch, app, MERGE, "{\"name\":\"pen\"}", id, NULL, &R), 200);
    assert_int_equal(call(items_patch, app, MERGE, "{\"name\":\"Cup\"}", id, NULL, &R), 200);
    items_app_close(app);
}

/* REQ: ITEMS-061 */
static void test_ids_that_name_nothing(void **state)
{
    static const char *const bad[] = {"0",
                                      "007",
                                      "-1",
                                      "+1",
                                      "1.0",
                                      "abc",
                                      "",
                                      " 1",
                                      "1 ",
                                      "9223372036854775808",
                                      "99999999999999999999",
                                      "0x1"};
    struct items_app *app = app_new(100, 0, 0);
    char id[32];

    (void)state;
    create_id(app, "{\"name\":\"pen\",\"price\":1}", id, sizeof(id), &R);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(call(items_get, app, NULL, NULL, bad[i], NULL, &R), 404);
        assert_string_equal(err_code(&R), "not_found");
        assert_int_equal(call(items_replace, app, "application/json",
                              "{\"name\":\"pen\",\"price\":1}", bad[i], NULL, &R),
                         404);
        assert_int_equal(call(items_patch, app, MERGE, "{}", bad[i], NULL, &R), 404);
        assert_int_equal(call(items_delete, app, NULL, NULL, bad[i], NULL, &R), 404);
    }
    /* The largest id is readable (and names nothing here). */
    assert_int_equal(call(items_get, app, NULL, NULL, "9223372036854775807", NULL, &R), 404);
    assert_int_equal(call(items_get, app, NULL, NULL, id, NULL, &R), 200);
    items_app_close(app);
}

/* REQ: ITEMS-019 */
static void test_names_are_unique_byte_for_byte(void **state)
{
    struct items_app *app = app_new(100, 0, 0);

    (void)state;
    assert_int_equal(post(app, "{\"name\":\"pen\",\"price\":1}", &R), 201);
    assert_int_equal(post(app, "{\"name\":\"pen\",\"price\":2}", &R), 409);
    assert_string_equal(err_code(&R), "conflict");
    assert_int_equal(post(app, "{\"name\":\"Pen\",\"price\":2}", &R), 201);
    assert_int_equal(post(app, "{\"name\":\"pen \",\"price\":2}", &R), 201);
    /* The same characters written with escapes are the same name. */
    assert_int_equal(post(app, "{\"name\":\"\\u0070en\",\"price\":2}", &R), 409);
    items_app_close(app);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_price_rules),
        cmocka_unit_test(test_price_comes_back_equal),
        cmocka_unit_test(test_quantity_rules),
        cmocka_unit_test(test_tags_rules),
        cmocka_unit_test(test_unknown_members_and_id),
        cmocka_unit_test(test_refused_create_stores_nothing),
        cmocka_unit_test(test_body_must_be_one_object),
        cmocka_unit_test(test_media_types),
        cmocka_unit_test(test_put_rules),
        cmocka_unit_test(test_merge_patch_rules),
        cmocka_unit_test(test_ids_that_name_nothing),
        cmocka_unit_test(test_names_are_unique_byte_for_byte),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    json_decref(R.json);
    return rc;
}
