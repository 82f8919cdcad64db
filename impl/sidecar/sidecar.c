/* sidecar: a tracing sidecar in front of one service.
 *
 * It is the forwarding engine of the reverse proxy (impl/proxy/lib/fwd.h)
 * with four hooks, plus a second listener for Prometheus:
 *
 *   local()            first sight of a request head: pick its trace
 *                      context and request id (into the exchange's scratch)
 *   request_fields()   the fields sent upstream instead of the client's
 *                      traceparent, tracestate and x-request-id
 *   response_fields()  X-Request-Id on the response to the client
 *   done()             the exchange is over: one JSON log line, metrics
 *
 * and lib/mserver answers GET /metrics on --metrics-port from the same
 * event loop, so counting a request and exposing the count never need a
 * lock. See README.md for a request's walk through these hooks and
 * specs/sidecar.md for what the suite checks. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "fwd.h"
#include "jlog.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "mserver.h"
#include "sig.h"
#include "trace.h"

#define REQUEST_ID_MAX  200 /* longest client X-Request-Id kept (SIDECAR-021) */
#define SERVICE_MAX     200
#define LOG_LINE_MAX    8192
#define TRACESTATE_MAX  8192 /* a longer combined tracestate is dropped whole */
#define NO_METRICS_PORT UINT_MAX

/* What the hooks keep for one exchange, in its fwd_info scratch. Ids are
 * kept as bytes and formatted when needed, so the longest request id fits
 * beside them. */
struct xstate {
    uint8_t trace_id[TRACE_ID_BYTES];
    uint8_t span_id[TRACE_SPAN_BYTES];   /* ours: the parent-id sent upstream */
    uint8_t parent_id[TRACE_SPAN_BYTES]; /* the client's, when has_parent */
    uint8_t flags;
    bool ready;      /* the fields above are set */
    bool has_parent; /* a valid traceparent came in: keep the trace */
    bool counted;    /* counted in sidecar_in_flight */
    uint8_t rid_len;
    char rid[REQUEST_ID_MAX + 1];
};

_Static_assert(sizeof(struct xstate) <= sizeof(((struct fwd_info *)0)->scratch),
               "struct xstate must fit in fwd_info.scratch");

struct sidecar {
    struct trace_rng rng;
    struct metrics metrics;
    struct fwd_upstream *upstreams;
    unsigned nupstreams;
    const char *service;
    int log_fd;
    uint64_t fallback; /* see fill_random() */
};

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Random bytes for an id. getrandom() does not fail on Linux once the
 * kernel's pool is seeded (early in boot); if it ever did, a request must
 * not fail for its trace id, so the id is made of the clock and a counter
 * instead: unique, though guessable, and logged once. */
static void fill_random(struct sidecar *s, uint8_t *p, size_t n)
{
    static bool warned;
    int rc = trace_random_id(&s->rng, p, n);

    if (rc == 0)
        return;
    if (!warned) {
        log_warn("getrandom: %s; ids now come from the clock", strerror(-rc));
        warned = true;
    }
    for (size_t i = 0; i < n; i += sizeof(uint64_t)) {
        uint64_t v;
        s->fallback++;
        v = now_ns(CLOCK_REALTIME) ^ (s->fallback << 40) ^ s->fallback;
        memcpy(p + i, &v, n - i < sizeof(v) ? n - i : sizeof(v));
    }
    p[n - 1] |= 1; /* never all zero */
}

/* A client's X-Request-Id is kept when it is 1..REQUEST_ID_MAX printable
 * ASCII characters (the parser has already trimmed spaces at both ends). */
static bool request_id_ok(const struct http_str *v)
{
    if (v->n == 0 || v->n > REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->p[i];
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return true;
}

static bool name_is(const struct http_header *h, const char *name)
{
    return h->name.n == strlen(name) && strncasecmp(h->name.p, name, h->name.n) == 0;
}

/* Sets the exchange's trace context and request id, once. With the
 * request head (req != NULL) the client's fields decide; without it (an
 * exchange the engine ended before any hook saw its head) a new trace and
 * id are made. */
static void prepare(struct sidecar *s, struct fwd_info *x, const struct http_request *req)
{
    struct xstate *st = (struct xstate *)x->scratch;
    const struct http_header *tp = NULL, *rid = NULL;
    unsigned ntp = 0, nrid = 0;
    struct trace_parent in;

    if (st->ready)
        return;
    for (unsigned i = 0; req != NULL && i < req->nheaders; i++) {
        const struct http_header *h = &req->headers[i];
        if (name_is(h, "traceparent")) {
            tp = h;
            ntp++;
        } else if (name_is(h, "x-request-id")) {
            rid = h;
            nrid++;
        }
    }
    /* Two traceparent fields mean one field holding both values joined by
     * a comma (RFC 9110 §5.3), which is not a valid value. */
    if (ntp == 1 && trace_parse(tp->value.p, tp->value.n, &in) == 0) {
        memcpy(st->trace_id, in.trace_id, TRACE_ID_BYTES);
        memcpy(st->parent_id, in.parent_id, TRACE_SPAN_BYTES);
        st->flags = in.flags & TRACE_FLAGS_KNOWN;
        st->has_parent = true;
    } else {
        fill_random(s, st->trace_id, TRACE_ID_BYTES);
        st->flags = TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM;
        st->has_parent = false;
    }
    fill_random(s, st->span_id, TRACE_SPAN_BYTES);
    if (nrid == 1 && request_id_ok(&rid->value)) {
        memcpy(st->rid, rid->value.p, rid->value.n);
        st->rid_len = (uint8_t)rid->value.n;
    } else {
        uint8_t r[16];
        fill_random(s, r, sizeof(r));
        trace_hex(r, sizeof(r), st->rid);
        st->rid_len = 2 * sizeof(r);
    }
    st->rid[st->rid_len] = '\0';
    st->ready = true;
    if (req != NULL) {
        st->counted = true;
        s->metrics.in_flight++;
    }
}

/* The engine's first look at a head: the sidecar answers nothing itself,
 * but this is where the client's fields are still at hand whatever happens
 * next (a 502 must carry the client's request id too). */
static int hook_local(void *ctx, struct fwd_info *x, struct buf *out)
{
    (void)out;
    prepare(ctx, x, x->req);
    return 0;
}

static int append(struct buf *out, const char *s, size_t n)
{
    return buf_append(out, s, n);
}

#define APPEND_LIT(out, lit) append(out, lit, sizeof(lit) - 1)

/* The client's tracestate fields as one line, values joined by commas
 * (RFC 9110 §5.3), empty ones left out; nothing when all are empty. */
static int append_tracestate(struct buf *out, const struct http_request *req)
{
    size_t total = 0;
    bool first = true;
    int rc = 0;

    for (unsigned i = 0; i < req->nheaders; i++) {
        if (name_is(&req->headers[i], "tracestate"))
            total += req->headers[i].value.n + 1;
    }
    /* A tracestate this large is not worth the head space: W3C asks for at
     * least 512 characters to be passed on, and lets a vendor drop more. */
    if (total <= 1 || total > TRACESTATE_MAX)
        return 0;
    for (unsigned i = 0; i < req->nheaders && rc == 0; i++) {
        const struct http_header *h = &req->headers[i];
        if (!name_is(h, "tracestate") || h->value.n == 0)
            continue;
        rc = first ? APPEND_LIT(out, "tracestate: ") : APPEND_LIT(out, ",");
        if (rc == 0)
            rc = append(out, h->value.p, h->value.n);
        first = false;
    }
    if (rc == 0 && !first)
        rc = APPEND_LIT(out, "\r\n");
    return rc;
}

/* The engine drops the client's traceparent, tracestate and x-request-id
 * (replace_fields) and sends these instead. Names in lower case, as W3C
 * asks for its two. */
static int hook_request_fields(void *ctx, struct fwd_info *x, struct buf *out)
{
    struct xstate *st = (struct xstate *)x->scratch;
    char tp[TRACE_PARENT_LEN + 1];
    int rc;

    prepare(ctx, x, x->req);
    trace_format(st->trace_id, st->span_id, st->flags, tp);
    rc = APPEND_LIT(out, "traceparent: ");
    if (rc == 0)
        rc = append(out, tp, TRACE_PARENT_LEN);
    if (rc == 0)
        rc = APPEND_LIT(out, "\r\n");
    /* A restarted trace leaves the old tracestate behind (W3C §3.4). */
    if (rc == 0 && st->has_parent && x->req != NULL)
        rc = append_tracestate(out, x->req);
    if (rc == 0)
        rc = APPEND_LIT(out, "x-request-id: ");
    if (rc == 0)
        rc = append(out, st->rid, st->rid_len);
    if (rc == 0)
        rc = APPEND_LIT(out, "\r\n");
    return rc;
}

static int hook_response_fields(void *ctx, struct fwd_info *x, struct buf *out)
{
    struct xstate *st = (struct xstate *)x->scratch;
    int rc;

    prepare(ctx, x, NULL);
    rc = APPEND_LIT(out, "X-Request-Id: ");
    if (rc == 0)
        rc = append(out, st->rid, st->rid_len);
    if (rc == 0)
        rc = APPEND_LIT(out, "\r\n");
    return rc;
}

/* Writes the line whole or not at all as far as we can tell: a regular
 * file opened O_APPEND takes it in one write; a pipe does for lines up to
 * PIPE_BUF (4 KiB), which every line short of a path full of escapes is. */
static void write_line(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return; /* a full disk or a closed pipe must not stop the proxying */
        }
        p += k;
        n -= (size_t)k;
    }
}

static void log_exchange(struct sidecar *s, const struct fwd_info *x, uint64_t duration_ns)
{
    const struct xstate *st = (const struct xstate *)x->scratch;
    char line[LOG_LINE_MAX], ts[JLOG_TIME_LEN + 1], hex[2 * TRACE_ID_BYTES + 1];
    struct timespec now;
    struct jlog_line j;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &now);
    if (jlog_time(&now, ts) == 0)
        strcpy(ts, "1970-01-01T00:00:00.000Z");
    jlog_begin(&j, line, sizeof(line));
    jlog_cstr(&j, "time", ts);
    jlog_cstr(&j, "level", "info");
    jlog_cstr(&j, "service", s->service);
    trace_hex(st->trace_id, TRACE_ID_BYTES, hex);
    jlog_cstr(&j, "trace_id", hex);
    trace_hex(st->span_id, TRACE_SPAN_BYTES, hex);
    jlog_cstr(&j, "span_id", hex);
    if (st->has_parent) {
        trace_hex(st->parent_id, TRACE_SPAN_BYTES, hex);
        jlog_cstr(&j, "parent_id", hex);
    } else {
        jlog_null(&j, "parent_id");
    }
    jlog_str(&j, "request_id", st->rid, st->rid_len);
    jlog_cstr(&j, "method", x->method);
    jlog_cstr(&j, "path", x->path);
    jlog_int(&j, "status", x->status);
    jlog_ms(&j, "duration_ms", duration_ns);
    jlog_int(&j, "bytes_in", (int64_t)x->bytes_in);
    jlog_int(&j, "bytes_out", (int64_t)x->bytes_out);
    jlog_cstr(&j, "upstream",
              x->upstream >= 0 && (unsigned)x->upstream < s->nupstreams
                  ? s->upstreams[x->upstream].name
                  : s->upstreams[0].name);
    jlog_cstr(&j, "client", x->client);
    n = jlog_end(&j);
    if (n == 0) {
        log_warn("a log line did not fit in %d bytes; dropped", LOG_LINE_MAX);
        return;
    }
    write_line(s->log_fd, line, n);
}

static void hook_done(void *ctx, struct fwd_info *x, enum fwd_outcome outcome)
{
    struct sidecar *s = ctx;
    struct xstate *st = (struct xstate *)x->scratch;
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    uint64_t duration = now > x->start_ns ? now - x->start_ns : 0;

    prepare(s, x, NULL);
    if (st->counted) {
        s->metrics.in_flight--;
        st->counted = false;
    }
    metrics_observe(&s->metrics, x->method, x->status, duration);
    if (outcome == FWD_CONNECT_FAILED || outcome == FWD_UPSTREAM_FAILED)
        s->metrics.upstream_errors++;
    if (s->log_fd >= 0)
        log_exchange(s, x, duration);
}

static int metrics_body(void *ctx, struct buf *out)
{
    struct sidecar *s = ctx;

    return metrics_write(&s->metrics, out);
}

static const char *const replaced[] = {"traceparent", "tracestate", "x-request-id", NULL};
/* The response carries the sidecar's X-Request-Id (hook_response_fields),
 * and only it, even when the origin sets its own (SIDECAR-021, -022). */
static const char *const replaced_in_response[] = {"x-request-id", NULL};

struct options {
    struct args_server srv;
    struct fwd_cli common; /* the options proxy and lb take too */
    const char *upstream, *service, *access_log;
    unsigned metrics_port;
};

/* Checks the options main() cannot express in the args table and fills
 * the engine's configuration. Returns 0, or 2 (usage error, logged). */
static int configure(struct options *o, struct sidecar *s, struct fwd_config *cfg)
{
    int rc;

    if (o->upstream == NULL) {
        log_error("--upstream HOST:PORT is required (try --help)");
        return 2;
    }
    if (o->service[0] == '\0' || strlen(o->service) > SERVICE_MAX ||
        !jlog_utf8_valid(o->service, strlen(o->service))) {
        log_error("--service: expected 1 to %d bytes of UTF-8", SERVICE_MAX);
        return 2;
    }
    /* No zeros: the metrics server closes its connections after
     * --idle-timeout, and has no "never" for 0. */
    if (fwd_parse_common_options(&o->common, false, cfg) < 0)
        return 2;
    rc = fwd_parse_upstreams(o->upstream, &s->upstreams, &s->nupstreams);
    if (rc < 0 || s->nupstreams != 1) {
        log_error("--upstream: expected one HOST:PORT, got '%s'%s%s", o->upstream,
                  rc < 0 ? ": " : "", rc < 0 ? strerror(-rc) : "");
        return 2;
    }
    cfg->host = o->srv.host;
    cfg->port = o->srv.port;
    cfg->upstreams = s->upstreams;
    cfg->nupstreams = s->nupstreams;
    s->service = o->service;
    return 0;
}

/* Opens the access log: a file opened for appending, or stdout for "-".
 * Returns the descriptor or -1 (logged). */
static int open_log(const char *path)
{
    int fd;

    if (strcmp(path, "-") == 0)
        return STDOUT_FILENO;
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        log_error("--access-log %s: %s", path, strerror(errno));
    return fd;
}

int main(int argc, char **argv)
{
    struct options o = {
        .common = FWD_CLI_DEFAULTS,
        .service = "sidecar",
        .access_log = "-",
        .metrics_port = NO_METRICS_PORT,
    };
    const struct args_opt extra[] = {
        {"upstream", ARGS_STRING, &o.upstream, 0, 0, "HOST:PORT",
         "the service every request is forwarded to (required)"},
        {"metrics-port", ARGS_UINT, &o.metrics_port, 0, 65535, "P",
         "serve Prometheus metrics at GET /metrics on --host:P"},
        {"service", ARGS_STRING, &o.service, 0, 0, "NAME",
         "service name in log lines and metric labels (default sidecar)"},
        {"access-log", ARGS_STRING, &o.access_log, 0, 0, "PATH",
         "one JSON object per line per request to PATH ('-': stdout, the default)"},
        FWD_CLI_OPTIONS(o.common, "upstream"),
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct fwd_config cfg = {.via_name = "osnet-sidecar"};
    struct sidecar s = {.log_fd = -1};
    struct fwd_hooks hooks = {
        .ctx = &s,
        .local = hook_local,
        .replace_fields = replaced,
        .request_fields = hook_request_fields,
        .response_fields = hook_response_fields,
        .replace_response_fields = replaced_in_response,
        .done = hook_done,
    };
    struct loop *loop = NULL;
    struct fwd *f = NULL;
    struct mserver *ms = NULL;
    int sig_fd = -1, rc, status = 1;
    bool metrics_ok = false;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &o.srv, extra, "sidecar",
                         "Tracing sidecar: forwards to --upstream, adds W3C trace context and "
                         "X-Request-Id, logs JSON lines, serves Prometheus metrics.");
    if (rc >= 0)
        return rc;
    rc = configure(&o, &s, &cfg);
    if (rc != 0) {
        free(s.upstreams);
        return rc;
    }
    trace_rng_init(&s.rng);
    if (metrics_init(&s.metrics, s.service) < 0) {
        log_error("out of memory");
        goto out;
    }
    metrics_ok = true;
    s.log_fd = open_log(o.access_log);
    if (s.log_fd < 0)
        goto out;
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = loop_create(&loop);
    if (rc == 0)
        rc = sig_watch_stop(loop, &sig_fd);
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        goto out;
    }
    /* The metrics listener first: once the main port accepts (which is
     * what tells a supervisor the sidecar is ready), both answer. */
    if (o.metrics_port != NO_METRICS_PORT) {
        rc = mserver_create(loop, o.srv.host, o.metrics_port, cfg.idle_timeout_ms, metrics_body, &s,
                            &ms);
        if (rc < 0)
            goto out;
        log_info("metrics on %s:%d", o.srv.host, mserver_port(ms));
    }
    rc = fwd_create(loop, &cfg, &hooks, &f);
    if (rc < 0) {
        log_error("cannot start forwarding: %s", strerror(-rc));
        goto out;
    }
    log_info("forwarding to %s", s.upstreams[0].name);
    rc = loop_run(loop);
    if (rc < 0) {
        log_error("event loop: %s", strerror(-rc));
        goto out;
    }
    status = 0;
out:
    fwd_destroy(f);
    mserver_destroy(ms);
    if (loop != NULL)
        loop_destroy(loop);
    if (sig_fd >= 0)
        close(sig_fd);
    if (s.log_fd > STDERR_FILENO)
        close(s.log_fd);
    if (metrics_ok)
        metrics_free(&s.metrics);
    free(s.upstreams);
    return status;
}
