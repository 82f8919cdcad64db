#ifndef OSNET_FWD_H
#define OSNET_FWD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "args.h"
#include "buf.h"
#include "http_parse.h" /* struct http_request */
#include "loop.h"

/* The forwarding engine of the reverse proxy, the load balancer and the
 * sidecar: one listener, the client connections it accepts, and a pool of
 * idle keep-alive connections per upstream, all on one event loop.
 *
 * The three programs are this engine with different hooks: the proxy has
 * none (one upstream), the lb picks an upstream per request (choose) and
 * answers GET /lb/status itself (local), the sidecar adds trace fields
 * (request_fields, response_fields) and logs every exchange (done).
 *
 * An exchange is one request and its response. Client requests on one
 * connection are served one at a time, in order (pipelined requests wait
 * in the input buffer until the previous response has been relayed).
 *
 * Failures and retries. A connect failure (refused, unreachable, past
 * connect_timeout_ms) is reported to connect_failed() and the request goes
 * to the next choice, whatever its method, since nothing was sent. Once the
 * request was sent, an upstream that closes or resets before any response
 * byte gets the request again only if it is idempotent and has no body
 * (GET, HEAD, OPTIONS, TRACE, PUT, DELETE): once on a new connection to the
 * same upstream when the failed connection came from the pool (the server
 * closed it as we reused it), else through choose() with `tried`. Other
 * requests get 502. No response head within upstream_timeout_ms: 504. After
 * the response head went to the client nothing can be retried: a failure
 * closes the client connection, so the client sees a truncated message,
 * never a complete-looking one. A client that closes (FIN or RST) before
 * its response is complete is gone: the exchange's upstream connection is
 * closed, not pooled. */

struct fwd; /* one engine: a listener + client conns + upstream pools, one loop */

/* The most upstreams an engine takes: `tried` below is a 64-bit mask. */
#define FWD_MAX_UPSTREAMS 64

/* What choose() returns when no upstream is available at all (lb: every
 * backend down or ejected, possibly by this very request's connect
 * failures): the engine answers 503 whatever was tried before. */
#define FWD_UNAVAILABLE (-2)

/* One upstream (origin / backend) address. The engine keeps a pool of idle
 * keep-alive connections per upstream. */
struct fwd_upstream {
    char name[64]; /* "127.0.0.1:8001" as given */
    struct sockaddr_storage addr;
    socklen_t addr_len;
};

/* What the engine tells hooks about one request (one exchange). Valid during
 * the hook call only, except `user` and `scratch`, which the hooks own for
 * the whole exchange (the same struct is passed to every hook of one
 * exchange). */
struct fwd_info {
    const struct http_request *req; /* parsed client request head (valid in
                                       choose/local/request_fields only; NULL
                                       later) */
    const char *client;             /* "127.0.0.1" (client IP text) */
    int upstream;                   /* index chosen (-1 before/none) */
    int attempt;                    /* 0 first try, 1.. retries */
    int status;                     /* response status sent to the client (0 none yet) */
    uint64_t bytes_in, bytes_out;   /* request / response body bytes relayed */
    uint64_t start_ns;              /* CLOCK_MONOTONIC when the head was complete */
    char method[16];                /* copies that outlive the head */
    char path[256];                 /* truncated path (no query) */
    void *user;                     /* hooks' per-exchange slot (NULL at start) */
    char scratch[256];              /* hooks' own storage for this exchange (ids
                                       etc.; zeroed at start) */
};

enum fwd_outcome {
    FWD_OK,              /* response relayed completely */
    FWD_CONNECT_FAILED,  /* connect refused/unreachable/timed out */
    FWD_UPSTREAM_FAILED, /* upstream closed/reset/timed out after connect */
    FWD_CLIENT_GONE,     /* client went away before the end */
    FWD_LOCAL            /* answered by the engine/hook itself (4xx/5xx, local route) */
};

/* Every hook may be NULL. Hooks run on the loop thread and must not block. */
struct fwd_hooks {
    void *ctx;
    /* Picks the upstream for this request. `tried` has bit i set for each
     * upstream that already failed for this request (retries). Returns an
     * index into the upstream array; -1: no upstream to try (the engine
     * answers 503 on the first attempt, 502 after a failure, 504 when that
     * failure was a connect timeout); FWD_UNAVAILABLE: 503 in any case.
     * NULL hook: upstream 0, and -1 once it failed. */
    int (*choose)(void *ctx, struct fwd_info *x, uint64_t tried);
    /* Answers the request locally instead of forwarding (lb: GET /lb/status).
     * Returns 1 when it wrote a whole response (head + body) into out, 0 to
     * forward. x->status should be set by the hook to the status it wrote
     * (for done()). If the response does not say "Connection: close" the
     * client connection stays open, so the hook must frame the body
     * (Content-Length). Any request body is read and discarded by the
     * engine. NULL: never. */
    int (*local)(void *ctx, struct fwd_info *x, struct buf *out);
    /* Names of incoming request fields the hooks replace (not forwarded as
     * sent), e.g. {"traceparent", "tracestate", "x-request-id", NULL}.
     * Matched ignoring ASCII case. NULL: none. */
    const char *const *replace_fields;
    /* Appends extra request field lines ("Name: value\r\n") for the
     * upstream. Returns 0 or -errno (the engine answers 500). Called once per
     * exchange (not again on a retry). NULL: none. */
    int (*request_fields)(void *ctx, struct fwd_info *x, struct buf *out);
    /* Appends extra response field lines for the client (sidecar:
     * X-Request-Id). Called for the final response (not for 1xx) relayed
     * from the upstream and for error responses the engine makes itself
     * (502, 503, 504...), with x->status set. Returns 0 or -errno (the
     * client connection is then closed). NULL: none. */
    int (*response_fields)(void *ctx, struct fwd_info *x, struct buf *out);
    /* Names of upstream response fields the hooks replace (dropped from
     * every response head relayed to the client, 1xx included), e.g.
     * {"x-request-id", NULL}: the sidecar's id must be the only one the
     * client sees, even when the origin sets its own. Matched ignoring
     * ASCII case. NULL: none. */
    const char *const *replace_response_fields;
    /* A connection to upstream i started / ended serving an exchange
     * (least-conn counts in-flight requests with these). Every begin(i) is
     * followed by exactly one end(i). */
    void (*begin)(void *ctx, int upstream);
    void (*end)(void *ctx, int upstream);
    /* Connecting to upstream i failed (err = positive errno, ETIMEDOUT for
     * --connect-timeout). Passive ejection lives here. The engine then calls
     * choose() again with i set in `tried` (any method, since nothing was
     * sent), also after the last upstream failed; a choice already in
     * `tried` counts as -1, so there are at most nupstreams attempts. -1
     * from choose -> 502 (504 when the last failure was a connect timeout),
     * FWD_UNAVAILABLE -> 503. A failure that is the engine's own (no
     * memory, no descriptor) gets 503 and is not reported here. */
    void (*connect_failed)(void *ctx, int upstream, int err);
    /* The exchange ended (response complete, failed, or client gone):
     * logs and metrics. Called exactly once per request whose head parsed.
     * x->req is NULL here. */
    void (*done)(void *ctx, struct fwd_info *x, enum fwd_outcome outcome);
};

struct fwd_config {
    const char *host;
    unsigned port;
    struct fwd_upstream *upstreams; /* the engine keeps this pointer: the
                                       array must outlive the engine */
    unsigned nupstreams;            /* 1..FWD_MAX_UPSTREAMS */
    /* Durations; 0 means "no deadline" for the four timeouts, and "no
     * pool" (every upstream connection closed after its exchange) for
     * pool_idle_ms. */
    unsigned connect_timeout_ms, upstream_timeout_ms, header_timeout_ms, idle_timeout_ms,
        pool_idle_ms;
    const char *via_name; /* "osnet-proxy": Via: 1.1 <via_name> (NULL: that) */
    unsigned max_clients; /* accept limit (0: 10000) */
};

/* Creates the engine on loop: listens (acceptor), ready to serve. Returns 0
 * and *out, or -errno (-EINVAL for a bad config). */
int fwd_create(struct loop *loop, const struct fwd_config *cfg, const struct fwd_hooks *hooks,
               struct fwd **out);

/* Closes every connection and frees the engine. Call it before
 * loop_destroy(). NULL is ignored. */
void fwd_destroy(struct fwd *f);

/* Drops the idle pooled connections of upstream i (lb: the backend went down). */
void fwd_pool_flush(struct fwd *f, int upstream);

/* Parses "host:port[,host:port...]" into an array (malloc'ed, the caller
 * frees it) — shared CLI helper. host is an IPv4 literal, "[IPv6]", or a
 * name resolved once here (getaddrinfo). Returns 0, -EINVAL for a malformed
 * list (empty element, missing or bad port, more than FWD_MAX_UPSTREAMS),
 * -EADDRNOTAVAIL for a name that does not resolve, -EAGAIN when the
 * resolver is unreachable, or -ENOMEM. */
int fwd_parse_upstreams(const char *list, struct fwd_upstream **out, unsigned *n);

/* Returns the port the engine listens on (useful with port 0), or -errno. */
int fwd_local_port(const struct fwd *f);

/* Parses a duration in seconds with optional decimals ("5", "0.5", "60")
 * into milliseconds, rounded up to at least 1 for a positive value. Returns
 * 0, or -EINVAL (negative, malformed, more than a day). Shared CLI helper for
 * --connect-timeout and the others, which args.h has no type for. */
int fwd_parse_seconds(const char *s, unsigned *ms);

/* The command-line options proxy, lb and sidecar share: the five durations
 * as typed (seconds, decimals allowed), and --log-level. Each program lists
 * them in its own args_opt table, with help in its own words (an upstream,
 * a backend), and hands them here. */
struct fwd_cli {
    const char *connect_timeout, *upstream_timeout, *header_timeout, *idle_timeout, *max_idle;
    const char *log_level; /* NULL: $OSNET_LOG, else info (log.h) */
};

/* The defaults every forwarding program documents: 5, 60, 15, 60, 60 s. */
#define FWD_CLI_DEFAULTS {"5", "60", "15", "60", "60", NULL}

/* The option-table rows (args.h) of the options a struct fwd_cli holds, for
 * a program's table: {..., FWD_CLI_OPTIONS(o.common, "backend"), {NULL...}}.
 * peer names what the program forwards to, in the help text. */
#define FWD_CLI_OPTIONS(c, peer)                                                                   \
    {"connect-timeout", ARGS_STRING, &(c).connect_timeout, 0, 0, "SEC",                            \
     "give up connecting to the " peer " after SEC seconds (default 5)"},                          \
    {"upstream-timeout", ARGS_STRING, &(c).upstream_timeout, 0, 0, "SEC",                          \
     "wait at most SEC seconds for a response head (then 504) or the next body bytes "             \
     "(then the client connection closes) (default 60)"},                                          \
    {"header-timeout", ARGS_STRING, &(c).header_timeout, 0, 0, "SEC",                              \
     "a request head must be complete SEC seconds after its first byte (default 15)"},             \
    {"idle-timeout", ARGS_STRING, &(c).idle_timeout, 0, 0, "SEC",                                  \
     "close a client connection idle between requests for SEC seconds (default 60)"},              \
    {"max-idle", ARGS_STRING, &(c).max_idle, 0, 0, "SEC",                                          \
     "close a pooled " peer " connection idle for SEC seconds (default 60)"},                       \
    {"log-level", ARGS_STRING, &(c).log_level, 0, 0, "LEVEL",                                      \
     "debug, info, warn or error (default: $OSNET_LOG, else info)"}

/* Applies o: sets the log level, and the five timeouts of cfg. A duration
 * of 0 means no deadline of that kind (--max-idle 0: no pool) and is
 * refused unless zero_ok. Returns 0, or -EINVAL after logging which option
 * is wrong (a usage error: the program exits 2). */
int fwd_parse_common_options(const struct fwd_cli *o, bool zero_ok, struct fwd_config *cfg);

#endif
