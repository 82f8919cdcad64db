/* The items service core: what each route answers, without the HTTP
 * server. A request goes through the same steps on every item route:
 *
 *   take a token (429) -> read the {id} (404) -> check the Content-Type
 *   (415) -> parse the body (400) -> validate the item (422) -> store it
 *   (404, 409, 500, 503) -> write the reply
 *
 * Each step either lets the request go on or describes what went wrong in
 * a `struct problem`, which becomes the JSON error reply
 *
 *     {"error":{"code":"validation_failed","message":"...","field":"price"}}
 *
 * The item's fields and their rules are one table (item_fields below), so
 * POST, PUT and PATCH validate with the same code. */

#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jlog.h"
#include "metrics.h"
#include "ratelimit.h"
#include "reqlog.h"
#include "store.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX     100

#define JSON_TYPE    "application/json"
#define MERGE_TYPE   "application/merge-patch+json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct items_app {
    struct store *store;
    struct ratelimit *rl;
    struct metrics *metrics;
    struct reqlog log;
    /* items_stored as last read, shown when the store cannot count */
    _Atomic uint64_t items_stored;
};

/* ---- errors --------------------------------------------------------------- */

/* The error codes of the contract, with a default message each. */
static const struct {
    int status;
    const char *code;
    const char *message;
} error_codes[] = {
    {400, "bad_request", "the request is malformed"},
    {404, "not_found", "no such resource"},
    {405, "method_not_allowed", "the resource does not allow this method"},
    {408, "request_timeout", "the request did not arrive in time"},
    {409, "conflict", "the request conflicts with the stored items"},
    {413, "payload_too_large", "the request body is too large"},
    {414, "uri_too_long", "the request target is too long"},
    {415, "unsupported_media_type", "the body must be application/json"},
    {422, "validation_failed", "the item is not valid"},
    {429, "rate_limited", "too many requests from this address"},
    {431, "headers_too_large", "the request head is too large"},
    {500, "internal_error", "internal error"},
    {501, "not_implemented", "the method is not implemented"},
    {503, "unavailable", "the service is unavailable"},
    {505, "version_not_supported", "the HTTP version is not supported"},
};

/* Finds the row of a status; a status outside the table gets its class's
 * generic row (bad_request or internal_error). */
static size_t error_row(int status)
{
    size_t n = sizeof(error_codes) / sizeof(error_codes[0]);

    for (size_t i = 0; i < n; i++) {
        if (error_codes[i].status == status)
            return i;
    }
    return error_row(status < 500 ? 400 : 500);
}

/* What went wrong with a request, before it becomes the reply. */
struct problem {
    int status;
    char message[200];
    const char *field;    /* 422: the member at fault (lives as long as the parsed body) */
    unsigned retry_after; /* 429 */
};

/* Fills *pb and returns false, so that a check can end with
 * `return fail(pb, 422, ...)`. */
static bool fail(struct problem *pb, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(struct problem *pb, int status, const char *field, const char *fmt, ...)
{
    va_list ap;
    int n;

    pb->status = status;
    pb->field = field;
    va_start(ap, fmt);
    n = vsnprintf(pb->message, sizeof(pb->message), fmt, ap);
    va_end(ap);
    /* A message too long is cut at a byte count, which may fall inside a
     * character (a member name of 70 "€" does not fit): the message would
     * then not be UTF-8, json_pack() would refuse it and the client would
     * get a bare 500 instead of its 422. What goes into the message is
     * UTF-8 (jansson checked the names; parse_object() checks its error
     * text), so keeping its whole characters and dropping the cut one is
     * enough. */
    if (n >= (int)sizeof(pb->message)) {
        const unsigned char *m = (const unsigned char *)pb->message;
        size_t len = strlen(pb->message), i = 0, k;

        while (i < len && (k = jlog_utf8_len(m + i, len - i)) > 0)
            i += k;
        pb->message[i] = '\0';
    }
    return false;
}

/* ---- replies -------------------------------------------------------------- */

static void reply_start(struct items_reply *rp, int status, const char *content_type)
{
    rp->status = status;
    rp->content_type = content_type;
    rp->location[0] = '\0';
    rp->retry_after = 0;
    buf_consume(rp->body, buf_len(rp->body));
}

/* Appends the JSON text of j to b. precision: the significant digits of
 * reals (0: jansson's default, 17). Returns 0, -ENOBUFS or -ENOMEM. */
static int dump(const json_t *j, int precision, struct buf *b)
{
    size_t flags = JSON_COMPACT | (precision > 0 ? JSON_REAL_PRECISION(precision) : 0);
    size_t n = j != NULL ? json_dumpb(j, NULL, 0, flags) : 0, avail;
    char *tail;
    int rc;

    if (n == 0)
        return -ENOMEM;
    rc = buf_reserve(b, n, &tail, &avail);
    if (rc < 0)
        return rc;
    if (json_dumpb(j, tail, n, flags) != n)
        return -ENOMEM;
    buf_commit(b, n);
    return 0;
}

static int append(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

/* Writes the error reply of status with message (NULL: the default one)
 * and, when not NULL, field. Returns 0, or a negative errno when even that
 * did not fit. */
static int reply_error(struct items_reply *rp, int status, const char *message, const char *field)
{
    size_t row = error_row(status);
    json_t *err = json_pack("{s:s,s:s}", "code", error_codes[row].code, "message",
                            message != NULL ? message : error_codes[row].message);
    json_t *doc = NULL;
    int rc;

    /* json_pack() takes the field as a NUL-terminated string; a field name
     * holding invalid UTF-8 cannot come from jansson, which checked it. */
    if (err != NULL && field != NULL && json_object_set_new(err, "field", json_string(field)) < 0)
        json_decref(err), err = NULL;
    if (err != NULL)
        doc = json_pack("{s:o}", "error", err);
    reply_start(rp, status, JSON_TYPE);
    rc = dump(doc, 0, rp->body);
    json_decref(doc);
    return rc;
}

static int reply_problem(struct items_reply *rp, const struct problem *pb)
{
    int rc = reply_error(rp, pb->status, pb->message[0] != '\0' ? pb->message : NULL, pb->field);

    rp->retry_after = pb->retry_after;
    return rc;
}

/* The reply of a store that failed (err is a STORE_E* code). */
static int reply_store_error(struct items_reply *rp, int err)
{
    switch (err) {
    case STORE_ENOTFOUND:
        return reply_error(rp, 404, "no item has this id", NULL);
    case STORE_ECONFLICT:
        return reply_error(rp, 409, "another item has this name", NULL);
    case STORE_EFULL:
        return reply_error(rp, 503, "the store is full", NULL);
    case STORE_EBUSY:
        return reply_error(rp, 503, "the database is busy; try again", NULL);
    }
    /* I/O, corruption, out of memory: the details are the server's (its
     * log line says 500), not the client's. */
    return reply_error(rp, 500, NULL, NULL);
}

/* The fewest significant digits (1..17) that print d so that it reads
 * back as d: 0.1 is sent as 0.1, not as 0.10000000000000001 (jansson's
 * default of 17 digits is exact but shows the binary approximation). */
static int shortest_digits(double d)
{
    char s[40];

    for (int p = 1; p < 17; p++) {
        snprintf(s, sizeof(s), "%.*g", p, d);
        if (strtod(s, NULL) == d)
            return p;
    }
    return 17;
}

/* The longest JSON text of an item: every string escaped at its worst
 * (jlog_escape: 6 bytes per byte), the numbers at their longest. */
#define ITEM_JSON_MAX                                                                          \
    (128 + JLOG_ESCAPED_MAX(ITEM_NAME_BYTES) + ITEM_TAGS_MAX * (JLOG_ESCAPED_MAX(ITEM_TAG_BYTES) + 3))

/* Writes the JSON text of an item into out (ITEM_JSON_MAX bytes) and
 * returns its length. It allocates nothing, so it cannot fail: a change
 * the store has committed never gets a 5xx from here (the room for the
 * reply is reserved before the store is asked). That is all the core can
 * promise: the front end may still fail to send the reply (no memory for
 * its output buffer, or for MHD_create_response()), and then the
 * connection closes without an answer, never with an error status. The
 * price is printed in the fewest digits that read back exactly. */
static size_t item_write(const struct item *it, char *out)
{
    size_t n = 0;

    n += (size_t)sprintf(out + n, "{\"id\":%" PRId64 ",\"name\":\"", it->id);
    n += jlog_escape(it->name, strlen(it->name), out + n);
    n += (size_t)sprintf(out + n, "\",\"price\":%.*g,\"quantity\":%" PRId64 ",\"tags\":[",
                         shortest_digits(it->price), it->price, it->quantity);
    for (unsigned i = 0; i < it->ntags; i++) {
        out[n++] = i > 0 ? ',' : '"';
        if (i > 0)
            out[n++] = '"';
        n += jlog_escape(it->tags[i], strlen(it->tags[i]), out + n);
        out[n++] = '"';
    }
    memcpy(out + n, "]}", 2);
    return n + 2;
}

/* Appends the JSON text of an item to b. Returns 0 or -ENOBUFS/-ENOMEM. */
static int dump_item(const struct item *it, struct buf *b)
{
    char *tail;
    size_t avail;
    int rc = buf_reserve(b, ITEM_JSON_MAX, &tail, &avail);

    if (rc < 0)
        return rc;
    buf_commit(b, item_write(it, tail));
    return 0;
}

static int reply_item(struct items_reply *rp, int status, const struct item *it)
{
    int rc;

    reply_start(rp, status, JSON_TYPE);
    rc = dump_item(it, rp->body);
    if (rc < 0)
        return reply_error(rp, 500, "the reply does not fit", NULL);
    return 0;
}

/* Makes sure the reply of an item fits in rp->body without allocating,
 * before a change is made: once the store has committed, the client must
 * not be told the change failed. False (500, nothing changed) when it
 * cannot. */
static bool reserve_item_reply(struct items_reply *rp, struct problem *pb)
{
    char *tail;
    size_t avail;

    if (buf_reserve(rp->body, ITEM_JSON_MAX, &tail, &avail) == 0)
        return true;
    return fail(pb, 500, NULL, "out of memory");
}

/* ---- reading a request ---------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Takes a token from the client's bucket. False (429) when it is empty. */
static bool take_token(struct items_app *app, const struct items_request *rq, struct problem *pb)
{
    unsigned wait = rl_take(app->rl, rq->peer != NULL ? rq->peer : "", now_ns());

    if (wait == 0)
        return true;
    pb->retry_after = wait;
    return fail(pb, 429, NULL, "too many requests from this address; retry in %u s", wait);
}

/* Parses a decimal integer 1..2^63-1 written without sign or leading zeros:
 * the only spelling of an id (and of our cursors), so "/items/007" and
 * "/items/7" are not two names of one item. */
static bool parse_id_text(const char *s, size_t n, int64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || n == 0 || n > 19 || s[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits cannot overflow 64 bits */
    }
    if (v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

/* The {id} of the path. An id that cannot exist names no item: 404. */
static bool path_id(const struct items_request *rq, int64_t *id, struct problem *pb)
{
    if (parse_id_text(rq->id, rq->id_len, id))
        return true;
    return fail(pb, 404, NULL, "no item has this id");
}

/* True when the Content-Type value v[0..n) is the media type want: the
 * type before any ';' parameters, without surrounding blanks, compared
 * without regard to case (RFC 9110 §8.3.1). */
static bool media_type_is(const char *v, size_t n, const char *want)
{
    size_t start = 0, end = 0, wn = strlen(want);

    while (end < n && v[end] != ';')
        end++;
    while (start < end && (v[start] == ' ' || v[start] == '\t'))
        start++;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
        end--;
    return end - start == wn && strncasecmp(v + start, want, wn) == 0;
}

/* A body must be application/json; a merge patch may also say
 * application/merge-patch+json (RFC 7396 §4). */
static bool json_body_type(const struct items_request *rq, bool merge_patch, struct problem *pb)
{
    const char *v = rq->content_type;
    size_t n = rq->content_type_len;

    if (v != NULL &&
        (media_type_is(v, n, JSON_TYPE) || (merge_patch && media_type_is(v, n, MERGE_TYPE))))
        return true;
    return fail(pb, 415, NULL,
                merge_patch ? "the body must be application/json or application/merge-patch+json"
                            : "the body must be application/json");
}

/* How many numbers too large for a double or a 64-bit integer one body
 * may hold before it is refused outright (see parse_object). */
#define OVERFLOW_RETRIES 16

/* jansson refuses a number it cannot hold (1e400, 2^64) as if it were a
 * syntax error, but such a body is valid JSON whose value is out of range:
 * that is the validator's 422, naming the member. So the number is
 * replaced by 1e300, which is just as out of range for every member (too
 * large a price, not an integer for quantity or id, not a string for name
 * and tags), and the copy is parsed again. The error's position is the end
 * of the number; every number jansson cannot hold has at least 5
 * characters (1e309, or 19 digits and more), so 1e300 fits in its place. */
static bool patch_overflow(char *body, size_t n, size_t end)
{
    size_t start = end;

    if (end > n)
        return false;
    while (start > 0 && body[start - 1] != '\0' &&
           strchr("0123456789+-.eE", body[start - 1]) != NULL)
        start--;
    if (end - start < 5)
        return false;
    memcpy(body + start, "1e300", 5);
    memset(body + start + 5, ' ', end - start - 5);
    return true;
}

/* Parses the body: one JSON object, UTF-8, without duplicate member names
 * (else 400). NULL after filling *pb. JSON_ALLOW_NUL lets a string value
 * hold \u0000 (which the validator then refuses as a control character,
 * 422), but jansson refuses a NUL inside a member name whatever the flags:
 * {"a\u0000b":1} is a 400 here, although RFC 8259 allows it. Such a name
 * can be no member of an item anyway. */
static json_t *parse_object(const struct items_request *rq, struct problem *pb)
{
    const size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    const char *body = rq->body != NULL ? rq->body : "";
    char *copy = NULL;
    json_error_t err;
    json_t *doc = json_loadb(body, rq->body_len, flags, &err);

    for (int i = 0; doc == NULL && json_error_code(&err) == json_error_numeric_overflow; i++) {
        if (copy == NULL) {
            copy = malloc(rq->body_len);
            if (copy == NULL) {
                fail(pb, 500, NULL, "out of memory");
                return NULL;
            }
            memcpy(copy, body, rq->body_len);
        }
        if (i == OVERFLOW_RETRIES || err.position < 0 ||
            !patch_overflow(copy, rq->body_len, (size_t)err.position))
            break;
        doc = json_loadb(copy, rq->body_len, flags, &err);
    }
    free(copy);
    /* Out of memory, as jansson 2.14 says it: an error code, or, when its
     * lexer's buffer could not even be allocated, no message at all (line
     * -1). Every syntax error has a message. */
    if (doc == NULL && (json_error_code(&err) == json_error_out_of_memory || err.text[0] == '\0')) {
        fail(pb, 500, NULL, "out of memory");
        return NULL;
    }
    if (doc == NULL) {
        /* jansson's message quotes the body ("near '...'"): kept only if
         * it is valid UTF-8, which a JSON string must be. */
        if (jlog_utf8_valid(err.text, strlen(err.text)))
            fail(pb, 400, NULL, "the body is not valid JSON: %s (line %d, column %d)", err.text,
                 err.line, err.column);
        else
            fail(pb, 400, NULL, "the body is not valid JSON (line %d, column %d)", err.line,
                 err.column);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        fail(pb, 400, NULL, "the body must be a JSON object");
        return NULL;
    }
    return doc;
}

/* ---- the item's fields ---------------------------------------------------- */

enum field_kind {
    FIELD_TEXT,    /* a string of min..max characters, no control characters */
    FIELD_NUMBER,  /* any JSON number (integer or fraction) in min..max */
    FIELD_INTEGER, /* an integer literal (no fraction, no exponent) in min..max */
    FIELD_TEXTS,   /* an array of at most `count` FIELD_TEXT strings */
};

struct field {
    const char *name;
    enum field_kind kind;
    bool required;   /* else it may be left out, which means its default */
    double min, max; /* the value (numbers), or the characters of each string */
    unsigned count;  /* FIELD_TEXTS: the most strings */
    /* Stores v (checked) into the item; v NULL: the default. */
    void (*set)(struct item *it, const json_t *v);
};

static void copy_string(char *dst, const json_t *v)
{
    /* Checked before: at most 4 bytes per character and no NUL, so it fits. */
    size_t n = json_string_length(v);

    memcpy(dst, json_string_value(v), n);
    dst[n] = '\0';
}

static void set_name(struct item *it, const json_t *v)
{
    copy_string(it->name, v);
}

static void set_price(struct item *it, const json_t *v)
{
    it->price = json_number_value(v);
}

static void set_quantity(struct item *it, const json_t *v)
{
    it->quantity = v != NULL ? json_integer_value(v) : 0;
}

static void set_tags(struct item *it, const json_t *v)
{
    it->ntags = v != NULL ? (unsigned)json_array_size(v) : 0;
    for (unsigned i = 0; i < it->ntags; i++)
        copy_string(it->tags[i], json_array_get(v, i));
}

/* clang-format off */
static const struct field item_fields[] = {
    /* member    kind           required  min  max            count          */
    {"name",     FIELD_TEXT,    true,     1,   ITEM_NAME_MAX, 0,             set_name},
    {"price",    FIELD_NUMBER,  true,     0,   1000000,       0,             set_price},
    {"quantity", FIELD_INTEGER, false,    0,   1000000000,    0,             set_quantity},
    {"tags",     FIELD_TEXTS,   false,    1,   ITEM_TAG_MAX,  ITEM_TAGS_MAX, set_tags},
};
/* clang-format on */

#define NFIELDS (sizeof(item_fields) / sizeof(item_fields[0]))

/* The characters (code points) of the UTF-8 string s[0..n), or -1 when it
 * holds a control character (U+0000..U+001F, U+007F). jansson has checked
 * the UTF-8, so every byte that is not a continuation byte (10xxxxxx)
 * starts a character. */
static long text_chars(const char *s, size_t n)
{
    long chars = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return -1;
        if ((c & 0xc0) != 0x80)
            chars++;
    }
    return chars;
}

static bool check_text(const struct field *f, const json_t *v, const char *what, struct problem *pb)
{
    long chars;

    if (!json_is_string(v))
        return fail(pb, 422, f->name, "%s must be a string", what);
    chars = text_chars(json_string_value(v), json_string_length(v));
    if (chars < 0)
        return fail(pb, 422, f->name, "%s must not contain control characters", what);
    if (chars < f->min || chars > f->max)
        return fail(pb, 422, f->name, "%s must be %.0f to %.0f characters long (it has %ld)", what,
                    f->min, f->max, chars);
    return true;
}

/* Checks one member's value against its field's rule. */
static bool check_value(const struct field *f, const json_t *v, struct problem *pb)
{
    double d = 0;
    char what[48];

    switch (f->kind) {
    case FIELD_TEXT:
        return check_text(f, v, f->name, pb);
    case FIELD_NUMBER:
        /* json_is_number() is false for true, false and "3". */
        if (!json_is_number(v))
            return fail(pb, 422, f->name, "%s must be a number", f->name);
        d = json_number_value(v);
        break;
    case FIELD_INTEGER:
        /* jansson reads 1.0 and 1e2 as reals: an integer is written as one. */
        if (!json_is_integer(v))
            return fail(pb, 422, f->name, "%s must be an integer", f->name);
        d = (double)json_integer_value(v);
        break;
    case FIELD_TEXTS:
        if (!json_is_array(v))
            return fail(pb, 422, f->name, "%s must be an array of strings", f->name);
        if (json_array_size(v) > f->count)
            return fail(pb, 422, f->name, "%s must hold at most %u strings", f->name, f->count);
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(what, sizeof(what), "%s[%zu]", f->name, i);
            if (!check_text(f, json_array_get(v, i), what, pb))
                return false;
        }
        return true;
    }
    if (d < f->min || d > f->max)
        return fail(pb, 422, f->name, "%s must be from %.0f to %.0f", f->name, f->min, f->max);
    return true;
}

static const struct field *find_field(const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        if (strcmp(item_fields[i].name, name) == 0)
            return &item_fields[i];
    }
    return NULL;
}

/* What a body does to an item. */
enum body_mode {
    BODY_CREATE,  /* POST: a whole item; no id */
    BODY_REPLACE, /* PUT: a whole item; an id only if it is the path's */
    BODY_PATCH,   /* PATCH: a merge patch over the stored item (RFC 7396) */
};

/* Applies the members of doc to *it, checking each. For CREATE and
 * REPLACE *it starts from the defaults and every required field must be
 * there; for PATCH *it is the stored item, a member replaces its value and
 * null puts back an optional field's default. Returns false (422, field =
 * the member at fault, first in the body's order) after filling *pb. */
static bool apply_body(json_t *doc, enum body_mode mode, int64_t path_id, struct item *it,
                       struct problem *pb)
{
    bool seen[NFIELDS] = {false};

    if (mode != BODY_PATCH) {
        int64_t keep = it->id;
        memset(it, 0, sizeof(*it));
        it->id = keep;
        for (size_t i = 0; i < NFIELDS; i++) {
            if (!item_fields[i].required)
                item_fields[i].set(it, NULL);
        }
    }
    /* jansson keeps the members in the body's order. */
    for (void *m = json_object_iter(doc); m != NULL; m = json_object_iter_next(doc, m)) {
        const char *name = json_object_iter_key(m);
        json_t *v = json_object_iter_value(m);
        const struct field *f = find_field(name);

        if (strcmp(name, "id") == 0) {
            if (mode == BODY_CREATE)
                return fail(pb, 422, "id", "id is given by the server");
            if (!json_is_integer(v) || json_integer_value(v) != path_id)
                return fail(pb, 422, "id", "id must be the id in the path");
            continue;
        }
        if (f == NULL)
            return fail(pb, 422, name, "unknown member %s", name);
        seen[f - item_fields] = true;
        if (json_is_null(v) && mode == BODY_PATCH) {
            if (f->required)
                return fail(pb, 422, f->name, "%s cannot be removed", f->name);
            f->set(it, NULL);
            continue;
        }
        if (!check_value(f, v, pb))
            return false;
        f->set(it, v);
    }
    for (size_t i = 0; mode != BODY_PATCH && i < NFIELDS; i++) {
        if (item_fields[i].required && !seen[i])
            return fail(pb, 422, item_fields[i].name, "%s is required", item_fields[i].name);
    }
    return true;
}

/* ---- the operations ------------------------------------------------------- */

int items_create(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    struct problem pb = {0};
    struct item it = {0};
    json_t *doc = NULL;
    int rc;

    if (!take_token(app, rq, &pb) || !json_body_type(rq, false, &pb) ||
        (doc = parse_object(rq, &pb)) == NULL || !apply_body(doc, BODY_CREATE, 0, &it, &pb) ||
        !reserve_item_reply(rp, &pb)) {
        rc = reply_problem(rp, &pb);
        json_decref(doc); /* after the reply: pb.field points into it */
        return rc;
    }
    json_decref(doc);
    rc = app->store->ops->create(app->store, &it);
    if (rc < 0)
        return reply_store_error(rp, rc);
    rc = reply_item(rp, 201, &it);
    if (rp->status == 201)
        snprintf(rp->location, sizeof(rp->location), "/items/%" PRId64, it.id);
    return rc;
}

int items_get(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    struct problem pb = {0};
    struct item it;
    int64_t id;
    int rc;

    if (!take_token(app, rq, &pb) || !path_id(rq, &id, &pb))
        return reply_problem(rp, &pb);
    rc = app->store->ops->get(app->store, id, &it);
    if (rc < 0)
        return reply_store_error(rp, rc);
    return reply_item(rp, 200, &it);
}

/* PUT and PATCH: the same steps, but for where the new item starts from. */
static int update(struct items_app *app, const struct items_request *rq, struct items_reply *rp,
                  enum body_mode mode)
{
    struct problem pb = {0};
    struct item it = {0};
    json_t *doc = NULL;
    int64_t id = 0;
    int rc = 0;

    if (!take_token(app, rq, &pb) || !path_id(rq, &id, &pb) ||
        !json_body_type(rq, mode == BODY_PATCH, &pb) || (doc = parse_object(rq, &pb)) == NULL)
        return reply_problem(rp, &pb);
    /* A patch applies to what is stored now. Two patches of one item at
     * once may both read the old item; the last write wins, as it would
     * had they come one after the other. The stored item is written back
     * whole, its name included: a patch that does not touch the name can
     * still get 409 when the item was renamed between the read and the
     * write and another item has taken the old name meanwhile. */
    if (mode == BODY_PATCH)
        rc = app->store->ops->get(app->store, id, &it);
    it.id = id;
    if (rc == 0 && (!apply_body(doc, mode, id, &it, &pb) || !reserve_item_reply(rp, &pb))) {
        rc = reply_problem(rp, &pb);
        json_decref(doc);
        return rc;
    }
    json_decref(doc);
    if (rc == 0)
        rc = app->store->ops->replace(app->store, &it);
    if (rc < 0)
        return reply_store_error(rp, rc);
    return reply_item(rp, 200, &it);
}

int items_replace(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    return update(app, rq, rp, BODY_REPLACE);
}

int items_patch(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    return update(app, rq, rp, BODY_PATCH);
}

int items_delete(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    struct problem pb = {0};
    int64_t id;
    int rc;

    if (!take_token(app, rq, &pb) || !path_id(rq, &id, &pb))
        return reply_problem(rp, &pb);
    rc = app->store->ops->remove(app->store, id);
    if (rc < 0)
        return reply_store_error(rp, rc);
    /* The front ends send a 204 without a body or Content-Type. */
    reply_start(rp, 204, JSON_TYPE);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (cap bytes, NUL-terminated). False when
 * it does not fit, holds a broken escape, or holds a NUL (%00): the
 * callers read out as a C string, which would end there, so that
 * "limit=5%00x" would pass for "limit=5". */
static bool url_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
                return false;
            c = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
            i += 2;
        }
        if (c == '\0')
            return false;
        if (len + 1 >= cap)
            return false;
        out[len++] = c;
    }
    out[len] = '\0';
    return true;
}

/* Reads limit and cursor from the query string (the first of each counts;
 * other parameters are ignored). False (400) for a bad value. */
static bool list_params(const struct items_request *rq, unsigned *limit, int64_t *after,
                        struct problem *pb)
{
    const char *q = rq->query, *end = q + (q != NULL ? rq->query_len : 0);
    bool have_limit = false, have_cursor = false;

    *limit = LIST_LIMIT_DEFAULT;
    *after = 0;
    while (q != NULL && q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q)), *pend = amp != NULL ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pend - q));
        const char *vp = eq != NULL ? eq + 1 : pend;
        char key[16], val[32];
        int64_t v;

        if (url_decode(q, (size_t)((eq != NULL ? eq : pend) - q), key, sizeof(key))) {
            bool is_limit = strcmp(key, "limit") == 0 && !have_limit;
            bool is_cursor = strcmp(key, "cursor") == 0 && !have_cursor;
            bool ok = url_decode(vp, (size_t)(pend - vp), val, sizeof(val)) &&
                      parse_id_text(val, strlen(val), &v);

            if (is_limit) {
                if (!ok || v > LIST_LIMIT_MAX)
                    return fail(pb, 400, NULL, "limit must be an integer from 1 to %d",
                                LIST_LIMIT_MAX);
                *limit = (unsigned)v;
                have_limit = true;
            } else if (is_cursor) {
                if (!ok)
                    return fail(pb, 400, NULL, "cursor is not one this service gave out");
                *after = v;
                have_cursor = true;
            }
        }
        q = amp != NULL ? amp + 1 : end;
    }
    return true;
}

int items_list(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    struct problem pb = {0};
    struct item *page;
    unsigned limit;
    int64_t after;
    size_t n = 0;
    int more = 0, rc;
    /* The end of the body: the fixed text and a cursor, an id up to
     * 2^63-1 (an int64_t in decimal takes at most 20 characters). */
    char tail[sizeof("],\"next_cursor\":\"\"}") + 20];

    if (!take_token(app, rq, &pb) || !list_params(rq, &limit, &after, &pb))
        return reply_problem(rp, &pb);
    /* A page of the longest items is 160 KB: too much for a thread's stack. */
    page = malloc(limit * sizeof(*page));
    if (page == NULL)
        return reply_error(rp, 500, "out of memory", NULL);
    rc = app->store->ops->list(app->store, after, page, limit, &n, &more);
    if (rc < 0) {
        free(page);
        return reply_store_error(rp, rc);
    }
    /* Written piece by piece rather than as one jansson document, so that
     * each item's price gets its own shortest digits. */
    reply_start(rp, 200, JSON_TYPE);
    rc = append(rp->body, "{\"items\":[");
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = append(rp->body, ",");
        if (rc == 0)
            rc = dump_item(&page[i], rp->body);
    }
    /* The cursor is the last id of this page: the next page starts after
     * it, whatever was created or deleted in between (keyset paging). */
    if (more && n > 0)
        snprintf(tail, sizeof(tail), "],\"next_cursor\":\"%" PRId64 "\"}", page[n - 1].id);
    else
        snprintf(tail, sizeof(tail), "],\"next_cursor\":null}");
    if (rc == 0)
        rc = append(rp->body, tail);
    free(page);
    if (rc < 0)
        return reply_error(rp, 500, "the reply does not fit", NULL);
    return 0;
}

/* Reads the gauges that belong to other modules. */
static void read_gauges(struct items_app *app, struct metrics_gauges *g)
{
    uint64_t n;

    /* A sweep here keeps the gauge true while no request arrives to run
     * the sweep of rl_take(). */
    g->rate_limit_clients = rl_sweep(app->rl, now_ns());
    if (app->store->ops->count(app->store, &n) == 0)
        atomic_store(&app->items_stored, n);
    g->items_stored = atomic_load(&app->items_stored);
}

int items_metrics(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    struct metrics_gauges g;

    (void)rq; /* never rate limited: a scraper must always get through */
    read_gauges(app, &g);
    reply_start(rp, 200, METRICS_TYPE);
    if (metrics_write(app->metrics, &g, rp->body) < 0)
        return reply_error(rp, 500, "the metrics do not fit", NULL);
    return 0;
}

int items_health(struct items_app *app, const struct items_request *rq, struct items_reply *rp)
{
    (void)rq;
    if (app->store->ops->ping(app->store) < 0)
        return reply_error(rp, 503, "the store does not answer", NULL);
    reply_start(rp, 200, JSON_TYPE);
    return append(rp->body, "{\"status\":\"ok\"}");
}

int items_error_body(int status, struct buf *b)
{
    struct items_reply rp = {.body = b};

    return reply_error(&rp, status, NULL, NULL);
}

/* ---- observation, logs, lifetime ------------------------------------------ */

void items_observe(struct items_app *app, const struct items_observation *o)
{
    metrics_observe(app->metrics, o->method, o->route, o->status, o->ns);
    reqlog_request(&app->log, o);
}

void items_connections(struct items_app *app, int delta)
{
    metrics_connections(app->metrics, delta);
}

void items_log(struct items_app *app, enum items_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reqlog_vmsg(&app->log, level, fmt, ap);
    va_end(ap);
}

/* The negative errno of a STORE_E* code, for items_app_open()'s caller. */
static int store_errno(int err)
{
    switch (err) {
    case STORE_ENOMEM:
        return -ENOMEM;
    case STORE_EBUSY:
        return -EBUSY;
    case STORE_EFULL:
        return -ENOSPC;
    }
    return -EIO;
}

int items_app_open(const struct items_config *cfg, struct items_app **out, char *err, size_t errlen)
{
    struct items_app *app = calloc(1, sizeof(*app));
    char why[256] = "";
    uint64_t n = 0;
    int rc;

    if (app == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    app->log = (struct reqlog){.fd = cfg->log_fd, .min = cfg->log_level};
    if (cfg->storage == ITEMS_SQLITE) {
        rc = store_sqlite_open(cfg->db_path, cfg->max_items, &app->store, why, sizeof(why));
        if (rc < 0) {
            snprintf(err, errlen, "cannot open the database %s: %s", cfg->db_path,
                     why[0] != '\0' ? why : store_strerror(rc));
            rc = store_errno(rc);
            goto fail;
        }
    } else {
        rc = store_mem_open(cfg->max_items, &app->store);
        if (rc < 0) {
            snprintf(err, errlen, "cannot open the memory store: %s", store_strerror(rc));
            rc = store_errno(rc);
            goto fail;
        }
    }
    rc = rl_open(cfg->rate, cfg->burst, RL_MAX_CLIENTS, &app->rl);
    if (rc == 0)
        rc = metrics_open(&app->metrics);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (app->store->ops->count(app->store, &n) == 0)
        atomic_store(&app->items_stored, n);
    *out = app;
    return 0;
fail:
    items_app_close(app);
    return rc;
}

void items_app_close(struct items_app *app)
{
    if (app == NULL)
        return;
    if (app->store != NULL)
        app->store->ops->close(app->store);
    rl_close(app->rl);
    metrics_close(app->metrics);
    free(app);
}
