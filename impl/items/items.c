/* items: the items REST service on the project's own HTTP server
 * (impl/http/lib: the worker threads, the parser, the router).
 *
 * The server does the HTTP: it parses heads, reads bodies up to --max-body
 * (413 past it, chunked or not), routes, answers 404 and 405 with Allow,
 * writes heads, honours HEAD and 204, keeps connections alive. This file
 * only plugs the service core (lib/api.h) into it: one route handler that
 * turns a route_request into an items_request and an items_reply back into
 * a route_response, and the hooks through which the core counts and logs
 * every response (including the errors the server answers itself), counts
 * connections, and writes the JSON bodies of those errors.
 *
 * main() is impl/http/http.c's (options, SO_REUSEPORT listeners, one
 * worker thread each, signals taken by the main thread) with a graceful
 * stop: on SIGTERM every worker drains (stops listening, closes idle
 * connections, finishes what it has begun with Connection: close), main()
 * waits up to --shutdown-timeout for them, cuts what is left, closes the
 * store and exits 0. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "cli.h"
#include "listeners.h"
#include "net.h"
#include "router.h"
#include "sig.h"
#include "worker.h"

typedef int items_op(struct items_app *app, const struct items_request *rq, struct items_reply *rp);

/* What a route's handler needs: the core, and which of its operations the
 * route stands for. */
struct binding {
    struct items_app *app;
    items_op *op;
};

/* The routes. One pattern may appear several times (one entry per set of
 * methods that share an operation); the router merges their methods into
 * the Allow value of a 405. Bodies are kept only where an operation reads
 * them; elsewhere the server reads and drops them. */
static const struct {
    unsigned methods;
    const char *pattern;
    items_op *op;
    unsigned flags;
} route_table[] = {
    {ROUTE_GET | ROUTE_HEAD, "/items", items_list, 0},
    {ROUTE_POST, "/items", items_create, ROUTE_BODY},
    {ROUTE_GET | ROUTE_HEAD, "/items/:id", items_get, 0},
    {ROUTE_PUT, "/items/:id", items_replace, ROUTE_BODY},
    {ROUTE_PATCH, "/items/:id", items_patch, ROUTE_BODY},
    {ROUTE_DELETE, "/items/:id", items_delete, 0},
    {ROUTE_GET | ROUTE_HEAD, "/metrics", items_metrics, 0},
    {ROUTE_GET | ROUTE_HEAD, "/healthz", items_health, 0},
};
#define NROUTES (sizeof(route_table) / sizeof(route_table[0]))

/* The one route handler: the request as the core wants it, the operation,
 * and its reply as the server wants it. */
static int serve(const struct route_request *rq, struct route_response *rs)
{
    const struct binding *b = rq->ctx;
    const struct http_header *ct = http_find_header(rq->http, "Content-Type");
    struct items_request ir = {
        .peer = rq->peer,
        .content_type = ct != NULL ? ct->value.p : NULL,
        .content_type_len = ct != NULL ? ct->value.n : 0,
        .body = rq->body,
        .body_len = rq->body_len,
        .query = rq->query.p,
        .query_len = rq->query.n,
    };
    struct items_reply rp = {.body = rs->body};
    char retry[16];
    int rc;

    if (rq->nparams > 0) {
        ir.id = rq->params[0].value.p;
        ir.id_len = rq->params[0].value.n;
    }
    rc = b->op(b->app, &ir, &rp);
    if (rc < 0)
        return rc; /* the server answers a bare 500 (a JSON one: error_body) */
    rs->status = rp.status;
    rs->content_type = rp.content_type;
    if (rp.location[0] != '\0') {
        rc = route_add_field(rs, "Location", rp.location, strlen(rp.location));
        if (rc < 0)
            return rc;
    }
    if (rp.retry_after > 0) {
        int n = snprintf(retry, sizeof(retry), "%u", rp.retry_after);
        rc = route_add_field(rs, "Retry-After", retry, (size_t)n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- hooks: the core sees every connection and every response ---------- */

static void on_conn_open(void *ctx)
{
    items_connections(ctx, +1);
}

static void on_conn_close(void *ctx)
{
    items_connections(ctx, -1);
}

/* The route label of the metrics for a route pattern; NULL (no route
 * matched: 404, 405, or a request the server refused) is "other", so a
 * client cannot grow the label set by sending new paths. */
static const char *route_label(const char *pattern)
{
    if (pattern == NULL)
        return ITEMS_ROUTE_OTHER;
    if (strcmp(pattern, "/items") == 0)
        return ITEMS_ROUTE_LIST;
    if (strcmp(pattern, "/items/:id") == 0)
        return ITEMS_ROUTE_ITEM;
    if (strcmp(pattern, "/metrics") == 0)
        return ITEMS_ROUTE_METRICS;
    if (strcmp(pattern, "/healthz") == 0)
        return ITEMS_ROUTE_HEALTH;
    return ITEMS_ROUTE_OTHER;
}

/* Called by the worker for every response it queues, before the client can
 * read it: a client that got its answer and then scrapes /metrics finds it
 * counted. */
static void on_request_done(void *ctx, const struct http_request_info *info)
{
    const struct http_request *req = info->req;
    struct items_observation o = {
        .route = route_label(info->route),
        .peer = info->peer,
        .status = info->status,
        .ns = info->ns,
    };
    char method[32];

    if (req != NULL) {
        /* The token is not NUL-terminated in the parser's buffer. A token
         * this long is no method the metrics name: it counts as "other"
         * whatever its first bytes. */
        size_t n = req->method_str.n < sizeof(method) ? req->method_str.n : sizeof(method) - 1;
        const struct http_header *tp = http_find_header(req, "traceparent");

        memcpy(method, req->method_str.p, n);
        method[n] = '\0';
        o.method = method;
        o.path = req->path.p;
        o.path_len = req->path.n;
        if (tp != NULL) {
            o.traceparent = tp->value.p;
            o.traceparent_len = tp->value.n;
        }
    }
    items_observe(ctx, &o);
}

static int on_error_body(void *ctx, int status, struct buf *b, const char **content_type)
{
    (void)ctx;
    *content_type = "application/json";
    return items_error_body(status, b);
}

/* ---- main ------------------------------------------------------------------ */

struct worker_thread {
    struct worker *w;
    struct items_app *app;
    int listen_fd; /* its SO_REUSEPORT listener (main() closes it) */
    pthread_t tid;
    bool finished; /* its worker_main() has returned (under done_lock) */
    bool busy;     /* still running at the stop's deadline (main() only) */
};

/* Set by a worker whose event loop failed: main() then exits 1. */
static atomic_bool worker_failed;

/* Each worker says it has finished here, and the graceful stop waits for
 * that against CLOCK_MONOTONIC (done_cond's clock, set in main()), so that
 * a step of the wall clock cannot stretch or cut --shutdown-timeout. Not
 * pthread_clockjoin_np(): ThreadSanitizer does not know that call, so it
 * saw no join and reported main()'s cleanup of the worker as a race with
 * the worker's last writes (make sanitize); a condition variable and
 * pthread_join() it knows. */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond;

/* done_cond on CLOCK_MONOTONIC: 0, or -errno. */
static int done_cond_init(void)
{
    pthread_condattr_t attr;
    int err = pthread_condattr_init(&attr);

    if (err == 0) {
        err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (err == 0)
            err = pthread_cond_init(&done_cond, &attr);
        pthread_condattr_destroy(&attr);
    }
    return -err;
}

static void *worker_main(void *arg)
{
    struct worker_thread *t = arg;
    int rc = worker_run(t->w);

    if (rc < 0) {
        items_log(t->app, ITEMS_ERROR, "worker: event loop failed: %s; stopping the service",
                  strerror(-rc));
        /* Nobody accepts on this worker's listener any more, but it is
         * still open: the kernel would keep handing it 1/N of the new
         * connections, which would wait in its queue for ever. Shutting
         * it down makes the kernel refuse them (and reset those queued),
         * so the other listeners get every new connection. Then the
         * service stops rather than run on with a thread missing: SIGTERM
         * to ourselves (blocked in every thread, taken by main()'s
         * sig_wait_stop()) starts the same graceful stop as an operator's
         * SIGTERM, which finishes what the other workers have begun; the
         * exit status is 1, so that a supervisor sees a failure. */
        atomic_store(&worker_failed, true);
        shutdown(t->listen_fd, SHUT_RDWR);
        kill(getpid(), SIGTERM);
    }
    pthread_mutex_lock(&done_lock);
    t->finished = true;
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&done_lock);
    return NULL;
}

/* The graceful stop: every worker drains at once; each is waited for until
 * the deadline, and those still busy then are stopped (their unfinished
 * requests cut) and joined. */
static void stop_workers(struct items_app *app, struct worker_thread *ts, unsigned n,
                         unsigned timeout_s)
{
    struct timespec deadline;
    unsigned busy = 0;

    for (unsigned i = 0; i < n; i++)
        worker_drain(ts[i].w);
    /* Against CLOCK_MONOTONIC, as items-mhd's wait (done_cond). */
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)timeout_s;
    pthread_mutex_lock(&done_lock);
    for (unsigned i = 0; i < n; i++) {
        while (!ts[i].finished &&
               pthread_cond_timedwait(&done_cond, &done_lock, &deadline) != ETIMEDOUT)
            ;
        ts[i].busy = !ts[i].finished;
        busy += ts[i].busy;
    }
    pthread_mutex_unlock(&done_lock);
    if (busy > 0)
        items_log(app, ITEMS_WARN, "%u workers still busy after %u s: their requests are cut", busy,
                  timeout_s);
    /* A finished worker's join returns at once; the others are cut. */
    for (unsigned i = 0; i < n; i++) {
        if (ts[i].busy)
            worker_stop(ts[i].w);
        pthread_join(ts[i].tid, NULL);
    }
}

int main(int argc, char **argv)
{
    static struct worker_thread ts[ITEMS_MAX_THREADS];
    static int fds[ITEMS_MAX_THREADS];
    struct items_options o;
    struct items_app *app = NULL;
    struct binding bindings[NROUTES];
    struct http_hooks hooks = {
        .conn_open = on_conn_open,
        .conn_close = on_conn_close,
        .request_done = on_request_done,
        .error_body = on_error_body,
    };
    struct http_config cfg = {.root_fd = -1, .log_fd = -1};
    struct router router;
    unsigned started = 0, nfds = 0;
    char addr[NET_ADDR_MAX];
    int rc, status = 1;

    rc = items_cli_start(argc, argv, "items",
                         "The items REST service (CRUD on /items, /metrics, /healthz) on osnet's "
                         "own HTTP/1.1 server.",
                         &o, &app);
    if (rc >= 0)
        return rc;
    router_init(&router);
    hooks.ctx = app;
    for (size_t i = 0; i < NROUTES; i++) {
        bindings[i] = (struct binding){.app = app, .op = route_table[i].op};
        rc = router_add(&router, route_table[i].methods, route_table[i].pattern, serve,
                        &bindings[i], route_table[i].flags);
        if (rc < 0) {
            items_log(app, ITEMS_ERROR, "cannot set up the routes: %s", strerror(-rc));
            goto out;
        }
    }
    cfg.router = &router;
    cfg.hooks = &hooks;
    cfg.header_timeout_ms = 10 * 1000;
    cfg.idle_timeout_ms = o.idle_timeout * 1000;
    cfg.send_timeout_ms = 60 * 1000;
    cfg.handshake_timeout_ms = 10 * 1000;
    cfg.max_body = o.max_body;
    cfg.limits = http_reference_limits;

    /* Before any thread: the signals stay blocked in all of them, and only
     * this thread takes them (sig_wait_stop below). */
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = sig_block_stop();
    if (rc == 0)
        rc = done_cond_init();
    if (rc < 0) {
        items_log(app, ITEMS_ERROR, "cannot set up signals or the stop: %s", strerror(-rc));
        goto out;
    }
    rc = listeners_open(o.srv.host, o.srv.port, fds, o.threads);
    if (rc < 0) {
        items_log(app, ITEMS_ERROR, "cannot listen on %s:%u: %s", o.srv.host, o.srv.port,
                  strerror(-rc));
        goto out;
    }
    nfds = o.threads;
    for (unsigned i = 0; i < o.threads; i++) {
        ts[i].app = app;
        ts[i].listen_fd = fds[i];
        rc = worker_create(&cfg, fds[i], &ts[i].w);
        if (rc == 0)
            rc = -pthread_create(&ts[i].tid, NULL, worker_main, &ts[i]);
        if (rc < 0) {
            items_log(app, ITEMS_ERROR, "cannot start worker %u: %s", i, strerror(-rc));
            for (unsigned k = 0; k < started; k++)
                worker_stop(ts[k].w);
            for (unsigned k = 0; k < started; k++)
                pthread_join(ts[k].tid, NULL);
            goto out;
        }
        started++;
    }
    if (net_local_addr(fds[0], addr, sizeof(addr)) == 0)
        items_log(app, ITEMS_INFO, "listening on %s", addr);

    sig_wait_stop();
    items_log(app, ITEMS_INFO, "stopping");
    stop_workers(app, ts, started, o.shutdown_timeout);
    status = atomic_load(&worker_failed) ? 1 : 0;
out:
    for (unsigned i = 0; i < o.threads; i++)
        worker_destroy(ts[i].w);
    for (unsigned i = 0; i < nfds; i++)
        close(fds[i]);
    router_free(&router);
    items_cli_finish(app, status);
    return status;
}
