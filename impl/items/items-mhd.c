/* items-mhd: the items REST service on GNU libmicrohttpd (0.9.75), the
 * same API and command line as items, for comparison: what a mature HTTP
 * library does for a service, and where its model does not fit the
 * contract (impl/items/README.md lists those places).
 *
 * libmicrohttpd owns the sockets, the parsing and the threads (an epoll
 * loop, a pool of --threads threads). It calls on_request() for a request
 * several times: once when the head is complete, once per piece of body,
 * and once more when the body is complete. This file collects the body
 * (413 past --max-body), routes by comparing the path (404, 405 with
 * Allow), calls the service core (lib/api.h), and queues the response,
 * counting and logging it at that moment, before the client can read it.
 *
 * Two more callbacks frame each request: on_uri() when its request line
 * arrives (it allocates the request's state and keeps the target as sent,
 * query included) and on_completed() when its response was sent or the
 * connection died. Between them a request is in flight, and its connection
 * is busy. libmicrohttpd has no call that closes a connection, nor a
 * graceful stop of its own: MHD_quiesce_daemon() stops accepting, and then
 * this file shuts down the sockets of the connections that are not busy
 * (libmicrohttpd's thread sees the end of the stream and closes them),
 * answers what is in flight with Connection: close, and stops the daemon
 * once nothing is in flight. */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "buf.h"
#include "cli.h"
#include "net.h"
#include "sig.h"

/* The largest reply the core may write: a page of 100 items, each with a
 * 100-character name and ten 30-character tags of 4-byte UTF-8, fits. */
#define REPLY_MAX (1024 * 1024)

/* A body past --max-body that is chunked cannot be refused before its end
 * (libmicrohttpd takes a response only when the head is complete or the
 * whole body is in), so it is read and dropped; past this much more, the
 * connection is closed instead of answered. */
#define DISCARD_MAX (8 * 1024 * 1024)

typedef int items_op(struct items_app *app, const struct items_request *rq, struct items_reply *rp);

/* A client connection (its socket context), on the server's list. */
struct mconn {
    int fd;
    bool busy; /* a request is in flight on it */
    bool shut; /* close_idle() shut its socket down: it gets no more answers */
    struct mconn *prev, *next;
};

/* What every callback reads (cls): the core, the limit, and what the
 * graceful stop needs: the connections and the requests in flight. */
struct server {
    struct items_app *app;
    size_t max_body;
    atomic_bool draining; /* SIGTERM came: every response says Connection: close */
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t idle;  /* signalled when inflight drops to 0 */
    unsigned inflight;
    struct mconn *conns;
};

/* One request, from its request line to its completion (*req_cls). */
struct mreq {
    char *target;      /* the request-target as sent: the raw path and query */
    uint64_t start_ns; /* the first on_request() call: the head is complete */
    struct buf body;   /* at most --max-body bytes */
    bool too_large;    /* the body went past --max-body: answer 413 */
    size_t dropped;    /* bytes dropped since */
    bool cut;          /* its connection was shut down as idle: never handled */
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- routing ----------------------------------------------------------- */

struct method_op {
    const char *method;
    items_op *op;
};

/* A path the service answers: its metrics label, its Allow value, and the
 * operation of each method (HTTP methods are case-sensitive). */
struct mroute {
    const char *label;
    const char *allow;
    struct method_op ops[6]; /* ends with {NULL, NULL} */
};

static const struct mroute route_list = {
    ITEMS_ROUTE_LIST,
    "GET, HEAD, POST",
    {{"GET", items_list}, {"HEAD", items_list}, {"POST", items_create}, {NULL, NULL}},
};
static const struct mroute route_item = {
    ITEMS_ROUTE_ITEM,
    "GET, HEAD, PUT, PATCH, DELETE",
    {{"GET", items_get},
     {"HEAD", items_get},
     {"PUT", items_replace},
     {"PATCH", items_patch},
     {"DELETE", items_delete},
     {NULL, NULL}},
};
static const struct mroute route_metrics = {
    ITEMS_ROUTE_METRICS,
    "GET, HEAD",
    {{"GET", items_metrics}, {"HEAD", items_metrics}, {NULL, NULL}}};
static const struct mroute route_health = {
    ITEMS_ROUTE_HEALTH, "GET, HEAD", {{"GET", items_health}, {"HEAD", items_health}, {NULL, NULL}}};

/* Finds the route of a path (libmicrohttpd has percent-decoded it, query
 * removed). "/items/{id}" takes one non-empty segment: *id points to it.
 * Returns NULL for a path no route names. */
static const struct mroute *route_find(const char *url, const char **id)
{
    *id = NULL;
    if (strcmp(url, "/items") == 0)
        return &route_list;
    if (strcmp(url, "/metrics") == 0)
        return &route_metrics;
    if (strcmp(url, "/healthz") == 0)
        return &route_health;
    if (strncmp(url, "/items/", 7) == 0 && url[7] != '\0' && strchr(url + 7, '/') == NULL) {
        *id = url + 7;
        return &route_item;
    }
    return NULL;
}

static items_op *route_op(const struct mroute *r, const char *method)
{
    for (const struct method_op *m = r->ops; m->method != NULL; m++)
        if (strcmp(m->method, method) == 0)
            return m->op;
    return NULL;
}

/* The methods items answers 405 for on a known path; any other token is
 * one it does not implement (501), as on the hand-written server. */
static bool known_method(const char *m)
{
    static const char *const known[] = {"GET",   "HEAD",    "POST",  "PUT",    "DELETE",
                                        "PATCH", "OPTIONS", "TRACE", "CONNECT"};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return true;
    return false;
}

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        ++*(unsigned *)cls;
    return MHD_YES;
}

/* RFC 9112 section 3.2: an HTTP/1.1 request has exactly one Host field.
 * libmicrohttpd can check the missing one itself (MHD_OPTION_STRICT_FOR_
 * CLIENT), but answers with its own HTML page, uncounted and unlogged;
 * checked here, the 400 is the service's. */
static bool host_ok(struct MHD_Connection *conn, const char *version)
{
    unsigned n = 0;

    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_host, &n);
    return n == 1 || (n == 0 && strcmp(version, MHD_HTTP_VERSION_1_0) == 0);
}

/* ---- responses ----------------------------------------------------------- */

/* The client's address as text: the rate limiter's key and the log's. */
static void peer_text(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

    snprintf(out, cap, "unknown");
    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

/* Counts and logs a response about to be queued. method NULL: a request
 * refused as malformed, counted as the hand-written server counts a head
 * it could not parse (method and path unknown). */
static void observe(struct server *s, struct MHD_Connection *conn, const struct mreq *r,
                    const char *method, const char *url, const char *label, const char *peer,
                    int status)
{
    const char *tp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "traceparent");
    const char *path = r->target != NULL ? r->target : url;
    const char *q = strchr(path, '?');
    struct items_observation o = {
        .method = method,
        .route = label,
        .path = method != NULL ? path : NULL,
        .path_len = method == NULL ? 0
                    : q != NULL    ? (size_t)(q - path)
                                   : strlen(path),
        .peer = peer,
        .traceparent = tp,
        .traceparent_len = tp != NULL ? strlen(tp) : 0,
        .status = status,
        .ns = now_ns() - r->start_ns,
    };

    items_observe(s->app, &o);
}

/* Queues rp as the response: its fields, Connection: close once the
 * server drains, counted and logged first. allow: the Allow value of a
 * 405, else NULL. */
static enum MHD_Result respond(struct server *s, struct MHD_Connection *conn, const struct mreq *r,
                               const char *method, const char *url, const char *label,
                               const struct items_reply *rp, const char *allow)
{
    size_t len = rp->status == 204 ? 0 : buf_len(rp->body);
    struct MHD_Response *resp;
    char peer[INET6_ADDRSTRLEN], retry[16];
    enum MHD_Result ret;
    bool ok = true;

    resp = MHD_create_response_from_buffer(len, (void *)buf_peek(rp->body), MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    if (rp->status != 204 && rp->content_type != NULL)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rp->content_type) ==
              MHD_YES;
    if (rp->location[0] != '\0')
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rp->location) == MHD_YES;
    if (rp->retry_after > 0) {
        snprintf(retry, sizeof(retry), "%u", rp->retry_after);
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry) == MHD_YES;
    }
    if (allow != NULL)
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES;
    /* libmicrohttpd closes the connection after a response that says so:
     * the only way to finish a request during a stop and not wait for the
     * client's next one. */
    if (atomic_load(&s->draining))
        ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    if (!ok) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    peer_text(conn, peer, sizeof(peer));
    observe(s, conn, r, method, url, label, peer, rp->status);
    ret = MHD_queue_response(conn, (unsigned)rp->status, resp);
    MHD_destroy_response(resp); /* queued: libmicrohttpd holds its own reference */
    return ret;
}

/* Answers an error of the front end's own (404, 405, 413, 501) with the
 * core's JSON error body; route label "other", as on the hand-written
 * server, where no route answered these. */
static enum MHD_Result respond_error(struct server *s, struct MHD_Connection *conn,
                                     const struct mreq *r, const char *method, const char *url,
                                     int status, const char *allow)
{
    struct buf b;
    struct items_reply rp = {.status = status, .content_type = "application/json", .body = &b};
    enum MHD_Result ret;

    buf_init(&b, 4096);
    if (items_error_body(status, &b) < 0) {
        buf_free(&b);
        return MHD_NO;
    }
    ret = respond(s, conn, r, method, url, ITEMS_ROUTE_OTHER, &rp, allow);
    buf_free(&b);
    return ret;
}

/* The request is complete (head and body): route it and answer. */
static enum MHD_Result dispatch(struct server *s, struct MHD_Connection *conn, struct mreq *r,
                                const char *method, const char *url)
{
    const char *id;
    const struct mroute *route = route_find(url, &id);
    items_op *op;
    struct buf out;
    struct items_reply rp = {0};
    struct items_request rq = {0};
    char peer[INET6_ADDRSTRLEN];
    const char *q = r->target != NULL ? strchr(r->target, '?') : NULL;
    enum MHD_Result ret;
    int rc;

    if (route == NULL)
        return respond_error(s, conn, r, method, url, 404, NULL);
    op = route_op(route, method);
    if (op == NULL)
        return respond_error(s, conn, r, method, url, 405, route->allow);

    peer_text(conn, peer, sizeof(peer));
    rq.peer = peer;
    rq.content_type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    rq.content_type_len = rq.content_type != NULL ? strlen(rq.content_type) : 0;
    rq.body = buf_peek(&r->body);
    rq.body_len = buf_len(&r->body);
    if (q != NULL) {
        rq.query = q + 1;
        rq.query_len = strlen(q + 1);
    }
    if (id != NULL) {
        rq.id = id;
        rq.id_len = strlen(id);
    }
    buf_init(&out, REPLY_MAX);
    rp.body = &out;
    rc = op(s->app, &rq, &rp);
    if (rc < 0) {
        /* Not even an error reply could be written: a bare 500. */
        buf_consume(&out, buf_len(&out));
        rp = (struct items_reply){.status = 500, .content_type = "application/json", .body = &out};
        if (items_error_body(500, &out) < 0) {
            buf_free(&out);
            return MHD_NO;
        }
    }
    ret = respond(s, conn, r, method, url, route->label, &rp, NULL);
    buf_free(&out);
    return ret;
}

/* ---- libmicrohttpd's callbacks ------------------------------------------- */

static struct mreq *mreq_new(struct server *s, const char *target)
{
    struct mreq *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    buf_init(&r->body, s->max_body);
    if (target != NULL && (r->target = strdup(target)) == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

/* Marks conn busy or not. Called with s->lock held. The socket context
 * is NULL once on_connection() has forgotten the connection. */
static struct mconn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

/* Shuts an idle connection's socket down (see close_idle()). Called with
 * the server's lock held. */
static void conn_shut(struct mconn *c)
{
    if (c != NULL && !c->busy && !c->shut) {
        shutdown(c->fd, SHUT_RDWR);
        c->shut = true;
    }
}

static void conn_set_busy(struct MHD_Connection *conn, bool busy)
{
    struct mconn *c = conn_of(conn);

    if (c != NULL)
        c->busy = busy;
}

/* The request line arrived: a request is in flight from now on. Returns
 * its state, which libmicrohttpd hands to on_request() as *req_cls (NULL
 * when out of memory: on_request() then closes the connection). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct server *s = cls;
    struct mreq *r = mreq_new(s, uri);
    struct mconn *c;

    pthread_mutex_lock(&s->lock);
    s->inflight++;
    conn_set_busy(conn, true);
    /* A request that was already in the socket when close_idle() shut it
     * down is still read by libmicrohttpd; its answer could not be sent,
     * so it must not be carried out either. */
    c = conn_of(conn);
    if (r != NULL && c != NULL && c->shut)
        r->cut = true;
    pthread_mutex_unlock(&s->lock);
    return r;
}

/* The request is over: answered and sent, or its connection died. Called
 * for every request on_uri() saw (libmicrohttpd calls it for a request
 * whose *req_cls the application may have set). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct mreq *r = *req_cls;

    (void)toe;
    if (r != NULL) {
        buf_free(&r->body);
        free(r->target);
        free(r);
        *req_cls = NULL;
    }
    pthread_mutex_lock(&s->lock);
    conn_set_busy(conn, false);
    /* A response sent while close_idle() ran found its connection still
     * busy: libmicrohttpd calls this only after the client may have read
     * it. The connection is idle now, so the stop closes it here. Read
     * under the lock: either close_idle() comes after and sees it idle, or
     * the flag set before close_idle() is visible here. */
    if (atomic_load(&s->draining))
        conn_shut(conn_of(conn));
    if (s->inflight > 0 && --s->inflight == 0)
        pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
}

/* Called once when the head is complete (*upload_data_size 0), once per
 * piece of body (> 0: consume it), and once when the body is complete (0
 * again): then the request is answered. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct server *s = cls;
    struct mreq *r = *req_cls;

    if (r == NULL || r->cut)
        return MHD_NO; /* on_uri() found no memory, or the connection was shut */
    if (r->start_ns == 0) {
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        r->start_ns = now_ns();
        if (!host_ok(conn, version))
            return respond_error(s, conn, r, NULL, url, 400, NULL);
        if (!known_method(method))
            return respond_error(s, conn, r, method, url, 501, NULL);
        /* Refused before the body is read: libmicrohttpd then closes the
         * connection after the 413 instead of reading what follows. */
        if (cl != NULL && strtoull(cl, NULL, 10) > s->max_body)
            return respond_error(s, conn, r, method, url, 413, NULL);
        return MHD_YES; /* libmicrohttpd sends 100 Continue if asked */
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        if (!r->too_large) {
            int rc = buf_append(&r->body, upload_data, n);
            if (rc == -ENOBUFS) {
                r->too_large = true;
                buf_free(&r->body);
            } else if (rc < 0) {
                return MHD_NO;
            }
        }
        if (r->too_large) {
            r->dropped += n;
            if (r->dropped > DISCARD_MAX)
                return MHD_NO;
        }
        return MHD_YES;
    }
    if (r->too_large)
        return respond_error(s, conn, r, method, url, 413, NULL);
    return dispatch(s, conn, r, method, url);
}

/* A connection was accepted or closed: active_connections, and the list
 * the graceful stop walks. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct server *s = cls;
    struct mconn *c = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        items_connections(s->app, +1);
        c = calloc(1, sizeof(*c));
        if (c == NULL || ci == NULL) {
            free(c); /* this one will not be closed early by a stop: no harm */
            return;
        }
        c->fd = ci->connect_fd;
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        if (s->conns != NULL)
            s->conns->prev = c;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
        *socket_context = c;
        return;
    }
    items_connections(s->app, -1);
    if (c == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    *socket_context = NULL;
    pthread_mutex_unlock(&s->lock);
    free(c);
}

/* libmicrohttpd's own messages become JSON lines too: every line on stderr
 * is one JSON object. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    items_log(cls, ITEMS_WARN, "libmicrohttpd: %s", msg);
}

/* ---- main ------------------------------------------------------------------ */

/* Closes the connections that wait for a request (RFC 9112 section 9.6: a
 * server may close an idle connection at any time). Their sockets belong
 * to libmicrohttpd's threads, so they are only shut down here, never
 * closed: the owning thread reads the end of the stream and closes the
 * connection itself, with no response. A connection whose request line
 * has not fully arrived counts as idle: libmicrohttpd says nothing about a
 * request before its request line. A socket libmicrohttpd has just closed
 * but not yet reported (on_connection) cannot have been reused for another
 * socket: nothing accepts any more, and nothing else opens sockets. Its
 * number can have been reused for a file, though: the SQLite store opens
 * database files during a drain (a new connection of its pool, for a
 * request in flight). shutdown() on a descriptor that is not a socket
 * fails with ENOTSOCK and does nothing to the file: harmless. */
static void close_idle(struct server *s)
{
    pthread_mutex_lock(&s->lock);
    for (struct mconn *c = s->conns; c != NULL; c = c->next)
        conn_shut(c);
    pthread_mutex_unlock(&s->lock);
}

/* Waits until no request is in flight or timeout_s seconds have passed.
 * Returns the number still in flight. */
static unsigned wait_idle(struct server *s, unsigned timeout_s)
{
    struct timespec deadline;
    unsigned left;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)timeout_s;
    pthread_mutex_lock(&s->lock);
    while (s->inflight > 0)
        if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) == ETIMEDOUT)
            break;
    left = s->inflight;
    pthread_mutex_unlock(&s->lock);
    return left;
}

int main(int argc, char **argv)
{
    struct items_options o;
    struct server s = {.inflight = 0};
    struct MHD_Daemon *d = NULL;
    pthread_condattr_t ca;
    char addr[NET_ADDR_MAX];
    int lfd = -1, rc, status = 1;
    unsigned left;

    rc = items_cli_start(argc, argv, "items-mhd",
                         "The items REST service (CRUD on /items, /metrics, /healthz) on "
                         "GNU libmicrohttpd.",
                         &o, &s.app);
    if (rc >= 0)
        return rc;
    s.max_body = o.max_body;
    atomic_init(&s.draining, false);
    pthread_mutex_init(&s.lock, NULL);
    /* The stop waits against CLOCK_MONOTONIC: a clock step cannot stretch
     * or cut --shutdown-timeout. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s.idle, &ca);
    pthread_condattr_destroy(&ca);

    /* Before libmicrohttpd starts its threads: they inherit the blocked
     * signals, and only this thread takes them. */
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = sig_block_stop();
    if (rc < 0) {
        items_log(s.app, ITEMS_ERROR, "cannot set up signals: %s", strerror(-rc));
        goto out;
    }
    /* Our own listening socket (impl/lib), handed over: the same resolution,
     * port 0 and error messages as items. */
    lfd = net_listen(o.srv.host, o.srv.port, SOMAXCONN, NET_NONBLOCK);
    if (lfd < 0) {
        items_log(s.app, ITEMS_ERROR, "cannot listen on %s:%u: %s", o.srv.host, o.srv.port,
                  strerror(-lfd));
        goto out;
    }
    /* A pool of one thread is no pool (libmicrohttpd warns and runs its
     * single polling thread): the option is left out then, by ending the
     * array at its first item. */
    struct MHD_OptionItem pool[] = {
        {o.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)o.threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* The options go in pairs (or triples), one a line. */
    /* clang-format off */
    d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, on_request, &s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s.app,
        MHD_OPTION_LISTEN_SOCKET, lfd,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_TIMEOUT, o.idle_timeout,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, &s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s,
        MHD_OPTION_END);
    /* clang-format on */
    if (d == NULL) {
        items_log(s.app, ITEMS_ERROR, "cannot start libmicrohttpd");
        goto out;
    }
    if (net_local_addr(lfd, addr, sizeof(addr)) == 0)
        items_log(s.app, ITEMS_INFO, "listening on %s", addr);

    sig_wait_stop();
    items_log(s.app, ITEMS_INFO, "stopping");
    atomic_store(&s.draining, true);
    /* Stop accepting. The socket may be closed only after MHD_stop_daemon()
     * (a thread may still be using it); shutting it down now makes the
     * kernel refuse new connections at once instead of queueing them. */
    if (MHD_quiesce_daemon(d) != MHD_INVALID_SOCKET && shutdown(lfd, SHUT_RDWR) < 0)
        items_log(s.app, ITEMS_WARN, "shutdown of the listening socket: %s", strerror(errno));
    close_idle(&s);
    left = wait_idle(&s, o.shutdown_timeout);
    if (left > 0)
        items_log(s.app, ITEMS_WARN, "%u requests still unfinished after %u s: cut", left,
                  o.shutdown_timeout);
    status = 0;
out:
    /* Closes every connection left: idle keep-alive ones, and those the
     * timeout cut. */
    if (d != NULL)
        MHD_stop_daemon(d);
    if (lfd >= 0)
        close(lfd);
    items_cli_finish(s.app, status);
    pthread_cond_destroy(&s.idle);
    pthread_mutex_destroy(&s.lock);
    return status;
}
