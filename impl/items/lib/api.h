#ifndef OSNET_ITEMS_API_H
#define OSNET_ITEMS_API_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The items service without its HTTP server: what both front ends
 * (items.c on the project's own server, items-mhd.c on libmicrohttpd)
 * call once they have routed a request. Everything here is thread-safe:
 * the front ends call it from several threads at once. Nothing here
 * touches a socket. specs/items.md says what each operation answers. */

enum items_storage { ITEMS_MEMORY, ITEMS_SQLITE };

enum items_level { ITEMS_DEBUG, ITEMS_INFO, ITEMS_WARN, ITEMS_ERROR };

struct items_config {
    enum items_storage storage;
    const char *db_path;     /* ITEMS_SQLITE: the database file */
    uint64_t max_items;      /* past this, a create gets 503 */
    unsigned rate;           /* token refill, requests per second per client; 0: no limit */
    unsigned burst;          /* bucket size */
    enum items_level log_level;
    int log_fd;              /* where the JSON lines go (stderr) */
};

struct items_app;

/* Opens the store (creating the SQLite database and its table when
 * missing), the rate limiter and the metrics. Returns 0 and *out, or a
 * negative errno after writing why into err[0..errlen). */
int items_app_open(const struct items_config *cfg, struct items_app **out, char *err,
                   size_t errlen);

/* Closes the store (SQLite: every connection, so the WAL is checkpointed
 * and removed) and frees everything. NULL is ignored. */
void items_app_close(struct items_app *app);

/* One request as the front end routed it. Strings are not NUL-terminated. */
struct items_request {
    const char *peer;           /* the client's address as text: the rate limit's key */
    const char *content_type;   /* the Content-Type field value, NULL when absent */
    size_t content_type_len;
    const char *body;           /* the whole request body */
    size_t body_len;
    const char *query;          /* the raw query string, after '?' (NULL or empty: none) */
    size_t query_len;
    const char *id;             /* the {id} path segment, percent-decoded */
    size_t id_len;
};

/* What an operation answers. The caller gives an empty bounded buffer in
 * body; the operation fills status, content_type and body, and sets
 * location ("/items/12") and retry_after (seconds) when the response needs
 * those fields. */
struct items_reply {
    int status;
    const char *content_type; /* a static string */
    struct buf *body;         /* JSON; empty for 204 */
    char location[32];        /* "" or the Location value */
    unsigned retry_after;     /* 0, or the Retry-After value */
};

/* The operations, one per route and method. Each returns 0 once *rp is
 * filled (errors included: a storage failure is a 500 or 503 reply), or a
 * negative errno when not even an error reply could be written (the front
 * end then answers a bare 500). The item routes take a token from the
 * client's bucket first and answer 429 when it is empty. */
int items_create(struct items_app *app, const struct items_request *rq, struct items_reply *rp);  /* POST /items */
int items_list(struct items_app *app, const struct items_request *rq, struct items_reply *rp);    /* GET /items */
int items_get(struct items_app *app, const struct items_request *rq, struct items_reply *rp);     /* GET /items/{id} */
int items_replace(struct items_app *app, const struct items_request *rq, struct items_reply *rp); /* PUT /items/{id} */
int items_patch(struct items_app *app, const struct items_request *rq, struct items_reply *rp);   /* PATCH /items/{id} */
int items_delete(struct items_app *app, const struct items_request *rq, struct items_reply *rp);  /* DELETE /items/{id} */
int items_metrics(struct items_app *app, const struct items_request *rq, struct items_reply *rp); /* GET /metrics */
int items_health(struct items_app *app, const struct items_request *rq, struct items_reply *rp);  /* GET /healthz */

/* Writes the JSON error object {"error":{"code":..,"message":..}} of a
 * status into b (the front ends use it for what their server answers on
 * its own: 400, 404, 405, 408, 413, 431, 501, ...). Returns 0, -ENOBUFS
 * (b is too small) or -ENOMEM (jansson could not allocate). */
int items_error_body(int status, struct buf *b);

/* The route labels of the metrics and log lines. */
#define ITEMS_ROUTE_LIST    "/items"
#define ITEMS_ROUTE_ITEM    "/items/{id}"
#define ITEMS_ROUTE_METRICS "/metrics"
#define ITEMS_ROUTE_HEALTH  "/healthz"
#define ITEMS_ROUTE_OTHER   "other" /* no route matched: never the raw path */

/* A response, as the front end sent (queued) it: counted in the metrics
 * and logged as one JSON line. Call it before the response leaves, so a
 * client that got its answer finds it counted. */
struct items_observation {
    const char *method;   /* the request's method token, NUL-terminated; NULL if unparsed */
    const char *route;    /* one of ITEMS_ROUTE_* */
    const char *path;     /* the request target's path, NULL if unparsed */
    size_t path_len;
    const char *peer;
    const char *traceparent; /* the traceparent field value, NULL when absent */
    size_t traceparent_len;
    int status;
    uint64_t ns;          /* from the complete request head to the response */
};
void items_observe(struct items_app *app, const struct items_observation *o);

/* Counts a client connection opened (+1) or closed (-1): active_connections. */
void items_connections(struct items_app *app, int delta);

/* Logs a line of the service's own ("listening on ...", "stopping") as a
 * JSON object with "msg" at the given level. printf-style. */
void items_log(struct items_app *app, enum items_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
