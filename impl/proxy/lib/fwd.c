/* The forwarding engine: client connections, exchanges, upstream
 * connections, all on one event loop. See fwd.h for the contract and
 * ../README.md for a walk through one request's life.
 *
 * A client connection is in one of three states:
 *
 *   C_HEAD  -> reading (or waiting for) a request head
 *   C_EXCH  -> one exchange in progress: its request goes to an upstream
 *              connection, its response comes back
 *   C_LINGER-> the last response is sent and a FIN went out; what the
 *              client still sends is read and dropped (as impl/http does)
 *
 * An exchange has a request side and a response side that move
 * independently, each through a relay (relay.h) between two bounded
 * buffers:
 *
 *   client fd -> c->in  --relay rqr-->  u->out -> upstream fd
 *   client fd <- c->out <--relay rsr--  u->in  <- upstream fd
 *
 * A relay stops when its output buffer reaches HIGH bytes, and a socket is
 * read only while its input buffer is below HIGH, so a fast sender facing
 * a slow receiver fills two buffers and then waits: the epoll interest of
 * its socket loses EPOLLIN and TCP flow control pushes back on it.
 *
 * Every event runs client_advance(): it starts the next exchange if the
 * connection has a complete head, moves what both relays can move, sends
 * what both output buffers hold, repeats while anything moved, then sets
 * the epoll interest of both sockets and the connection's deadline.
 *
 * Deadlines cost no system call per request, as in impl/http's worker:
 * each client connection is on one of five lists (idle, header, connect,
 * exchange, linger), each with one duration, so every list is ordered by
 * deadline and a tick looks only at its heads. The idle pooled upstream
 * connections form one list per upstream, ordered the same way. */

#include "fwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "deadline.h"
#include "fields.h"
#include "httpdate.h"
#include "log.h"
#include "net.h"
#include "relay.h"
#include "upstream.h"

#define HEAD_MAX     65536             /* request and response heads (http_parse limits) */
#define HEAD_READ    (HEAD_MAX + 4096) /* read a head up to this, the parser refuses sooner */
#define HIGH         (64 * 1024)       /* high-water mark of every buffer on the body path */
#define IO_CHUNK     (64 * 1024)       /* bytes asked of one recv() */
#define FLUSH_BUDGET (1024 * 1024)     /* bytes sent per socket per event */
#define POOL_MAX     32                /* idle connections kept per upstream */
#define LINGER_MS    5000
#define TICK_MAX_MS  250
#define KEEP_BUF_MAX 4096        /* idle client connections keep buffers up to this */
#define SCRATCH_LEN  (16 * 1024) /* chunked decoding */
#define ROUNDS_MAX   64          /* client_advance() rounds per event (see there) */

/* Buffer bounds: a head, then up to HIGH of body and its framing. A
 * forwarded request head is the client's plus the fields we add. */
#define CLIENT_IN_MAX  (HEAD_READ + IO_CHUNK)
#define CLIENT_OUT_MAX (2 * HEAD_MAX + HIGH + 1024)
#define UP_IN_MAX      (HEAD_READ + IO_CHUNK)
#define UP_OUT_MAX     (2 * HEAD_MAX + HIGH + 1024)

enum tkind { T_IDLE, T_HEADER, T_CONNECT, T_EXCH, T_LINGER, T_NKINDS };

static const char *const tkind_name[T_NKINDS] = {"idle", "header", "connect", "exchange", "linger"};

enum cstate { C_HEAD, C_EXCH, C_LINGER };
enum rq_state { RQ_WAIT, RQ_BODY, RQ_DONE }; /* WAIT: no upstream connection yet */
enum rs_state { RS_HEAD, RS_BODY, RS_DONE };

struct client;

/* One request and its response. */
struct exch {
    struct fwd_info info;
    struct upconn *up;     /* NULL while choosing, and for local answers */
    uint64_t tried;        /* upstreams that failed for this request */
    int last_err;          /* positive errno of the last failure */
    enum fwd_outcome fail; /* what to tell done() if the client connection drops */
    bool began;            /* begin(info.upstream) was called; end() is owed */
    bool reused;           /* up came from the pool */
    bool stale_retry;      /* the one retry of a dead pooled connection is used */
    bool retryable;        /* idempotent and without a body: may be sent again */
    bool head_only;        /* a HEAD request: no response body */
    bool need_host;        /* the client sent no Host (HTTP/1.0): add one */
    bool local;            /* answered by the engine or the local hook */
    bool resp_any;         /* a response byte came from the upstream */
    bool sent_head;        /* the final response head is queued for the client */
    bool up_keep;          /* the upstream may keep the connection */
    unsigned up_gen;       /* bumped whenever `up` is replaced (exch_attach), so
                              exch_step() tells a new connection from the one
                              it started with, even one malloc placed at the
                              same address */
    int client_minor;
    bool client_keep; /* the client asked to keep the connection */
    enum rq_state rq;
    enum rs_state rs;
    struct relay rqr, rsr;
    size_t up_prev; /* bytes of an incomplete response head seen */
};

struct client {
    struct fwd *f;
    int fd;
    enum cstate state;
    uint32_t mask;
    bool peer_eof;    /* the client ended its side (or reset) */
    bool close_after; /* close once the current response is sent */
    bool progress;    /* bytes moved since the deadline was last pushed */
    bool answered;    /* an exchange ended since the last rearm */
    bool restart;     /* a new connect attempt: its deadline starts now */
    bool more;        /* client_advance() stopped at ROUNDS_MAX with work left */

    enum tkind tkind;     /* the deadline c waits on */
    struct dl_node tnode; /* its place on f->timers[tkind] */

    struct buf in, out;
    size_t prev_len;  /* bytes of an incomplete head the parser has seen */
    struct buf head;  /* the current request's head, as the client sent it */
    struct buf fhead; /* the head for the upstream */
    char ip[INET6_ADDRSTRLEN];
    struct exch x;
};

struct fwd {
    struct loop *loop;
    struct fwd_config cfg;
    struct fwd_hooks hooks;
    struct acceptor *acceptor;
    struct loop_timer *tick;
    unsigned tick_ms;
    struct dl_list timers[T_NKINDS];
    unsigned timeout_ms[T_NKINDS];
    struct up_pool *pools; /* one per upstream */
    unsigned npooled;
    unsigned nclients;
    uint64_t now; /* ms, CLOCK_MONOTONIC_COARSE, refreshed per event */
    struct httpdate_cache date;
    struct http_request req;   /* the request head being looked at */
    struct http_response res;  /* the response head being looked at */
    char scratch[SCRATCH_LEN]; /* chunked decoding */
    char drain[16 * 1024];     /* lingering input is dropped here */
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- deadlines ------------------------------------------------------------ */

/* Puts c on the list of kind; one already there keeps its start time
 * unless restart is set (a head's deadline counts from its first byte). */
static void timer_set(struct client *c, enum tkind kind, bool restart)
{
    c->tkind = kind;
    dl_set(&c->f->timers[kind], &c->tnode, c->f->now, restart);
}

static void tick_arm(struct fwd *f)
{
    if (!loop_timer_armed(f->tick)) {
        int rc = loop_timer_arm(f->tick, f->tick_ms);
        if (rc < 0)
            log_error("cannot arm the tick timer: %s", strerror(-rc));
    }
}

/* ---- upstream connections -------------------------------------------------- */

static void on_up(struct loop *loop, int fd, uint32_t events, void *ctx);

static void up_close(struct fwd *f, struct upconn *u)
{
    if (u == NULL)
        return;
    if (!u->unwatched)
        loop_remove(f->loop, u->fd);
    up_free(u);
}

static int up_set_mask(struct fwd *f, struct upconn *u, uint32_t mask)
{
    if (mask == u->mask || u->unwatched)
        return 0;
    int rc = loop_modify(f->loop, u->fd, mask);
    if (rc == 0)
        u->mask = mask;
    return rc;
}

/* Gives a connection whose exchange ended cleanly to its pool, or closes
 * it. The oldest idle connection makes room when the pool is full. */
static void pool_put(struct fwd *f, struct upconn *u)
{
    struct up_pool *p = &f->pools[u->idx];

    if (f->cfg.pool_idle_ms == 0 || up_set_mask(f, u, EPOLLIN | EPOLLRDHUP) < 0) {
        up_close(f, u);
        return;
    }
    if (p->n >= POOL_MAX) {
        struct upconn *old = p->head;
        pool_remove(p, old);
        f->npooled--;
        up_close(f, old);
    }
    pool_push(p, u, f->now);
    f->npooled++;
    tick_arm(f);
}

/* Takes a live idle connection to upstream idx out of the pool, closing
 * the dead ones found on the way, or returns NULL. */
static struct upconn *pool_take(struct fwd *f, int idx)
{
    struct upconn *u;

    while ((u = pool_pop(&f->pools[idx])) != NULL) {
        f->npooled--;
        if (up_idle_alive(u)) {
            buf_init(&u->in, UP_IN_MAX);
            buf_init(&u->out, UP_OUT_MAX);
            u->state = U_ACTIVE;
            return u;
        }
        log_debug("upstream %s: pooled connection closed by the server",
                  f->cfg.upstreams[idx].name);
        up_close(f, u);
    }
    return NULL;
}

/* Reads what the upstream sent into u->in, if there is room. Returns 1
 * when bytes came (or the stream ended), else 0. */
static int up_read(struct upconn *u, size_t limit, uint32_t events)
{
    size_t len = buf_len(&u->in), avail;
    char *tail;
    ssize_t n;

    if (u->eof)
        return 0;
    if (len >= limit) {
        /* Not reading now; a hang-up or an error would be reported again
         * and again, so it ends the stream here. */
        if (events & (EPOLLHUP | EPOLLERR)) {
            u->eof = true;
            u->err = ECONNRESET;
            return 1;
        }
        return 0;
    }
    if (buf_reserve(&u->in, IO_CHUNK < limit - len ? IO_CHUNK : limit - len, &tail, &avail) < 0) {
        /* Out of memory. Waiting for the next event would spin (the
         * socket stays readable): this exchange fails instead. */
        u->eof = true;
        u->err = ENOMEM;
        return 1;
    }
    do {
        n = recv(u->fd, tail, avail, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        u->eof = true;
        u->err = errno;
        return 1;
    }
    if (n == 0) {
        u->eof = true;
        return 1;
    }
    buf_commit(&u->in, (size_t)n);
    return 1;
}

/* Sends b on fd, at most FLUSH_BUDGET bytes so one fast peer cannot hold
 * the loop. Returns 1 when bytes went, 0 when none could, or a negative
 * errno when the peer no longer takes any. */
static int send_buf(int fd, struct buf *b)
{
    size_t sent = 0;

    while (buf_len(b) > 0 && sent < FLUSH_BUDGET) {
        ssize_t n = send(fd, buf_peek(b), buf_len(b), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -errno;
        }
        buf_consume(b, (size_t)n);
        sent += (size_t)n;
    }
    return sent > 0;
}

/* Sends u->out: send_buf()'s answer. */
static int up_flush(struct upconn *u)
{
    return send_buf(u->fd, &u->out);
}

/* ---- client output ------------------------------------------------------- */

static bool out_pending(const struct client *c)
{
    return buf_len(&c->out) > 0;
}

/* Sends c->out. Returns 1 when bytes went, 0 when none could, or a
 * negative errno (the client is gone). */
static int client_flush(struct client *c)
{
    int rc = send_buf(c->fd, &c->out);

    if (rc > 0)
        c->progress = true;
    return rc;
}

/* Reads what the client sent, if c wants input now. Returns 0 or a
 * negative errno (reset: the connection is dropped). */
static int client_read(struct client *c, uint32_t events)
{
    size_t limit = 0, len = buf_len(&c->in), avail;
    char *tail;
    ssize_t n;

    if (c->peer_eof)
        return 0;
    if (c->state == C_HEAD && !c->close_after)
        limit = HEAD_READ;
    else if (c->state == C_EXCH && c->x.rq != RQ_DONE && !c->close_after)
        limit = HIGH;
    if (len >= limit) {
        /* Not reading now: a FIN or an error ends the conversation. */
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->peer_eof = true;
        return 0;
    }
    int rc = buf_reserve(&c->in, IO_CHUNK < limit - len ? IO_CHUNK : limit - len, &tail, &avail);
    if (rc < 0)
        return rc;
    do {
        n = recv(c->fd, tail, avail, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -errno;
    }
    if (n == 0) {
        c->peer_eof = true;
        return 0;
    }
    buf_commit(&c->in, (size_t)n);
    c->progress = true;
    return 0;
}

/* ---- ending exchanges ------------------------------------------------------ */

/* May upstream connection u serve another request after this exchange? */
static bool poolable(const struct exch *x, const struct upconn *u)
{
    return u->state == U_ACTIVE && x->up_keep && !u->eof && !u->wdead && x->rq == RQ_DONE &&
           x->rs == RS_DONE && buf_len(&u->in) == 0 && buf_len(&u->out) == 0;
}

/* Ends the exchange of c: the upstream connection goes to the pool (only
 * after a clean exchange) or is closed, end() and done() are called, and
 * c waits for its next request. Returns 1 (something changed). */
static int exch_end(struct client *c, enum fwd_outcome outcome)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;

    if (x->up != NULL) {
        if (outcome == FWD_OK && poolable(x, x->up))
            pool_put(f, x->up);
        else
            up_close(f, x->up);
        x->up = NULL;
    }
    if (x->began && f->hooks.end != NULL)
        f->hooks.end(f->hooks.ctx, x->info.upstream);
    x->began = false;
    x->info.req = NULL;
    x->info.bytes_in = x->rqr.moved;
    x->info.bytes_out = x->rsr.moved;
    if (f->hooks.done != NULL)
        f->hooks.done(f->hooks.ctx, &x->info, outcome);
    c->state = C_HEAD;
    c->answered = true;
    return 1;
}

/* Should the client connection close after a response with this status
 * the engine makes itself? After these the framing of what follows cannot
 * be trusted (RFC 9112 §9.6 lets a server close after any response). */
static bool status_closes(int status)
{
    switch (status) {
    case 400:
    case 408:
    case 413:
    case 414:
    case 431:
    case 500:
    case 501:
    case 505:
        return true;
    default:
        return false;
    }
}

/* Appends an engine response (head, hook fields, small body) to c->out.
 * x may be NULL (a head that did not parse). Returns 0 or a negative errno
 * (c->out is then as it was). */
static int queue_error(struct client *c, struct exch *x, int status, bool close)
{
    struct fwd *f = c->f;
    size_t saved = c->out.len;
    char body[80];
    size_t n = fields_error_body(status, body);
    int rc = fields_write_error(&c->out, status, httpdate_now(&f->date)->imf, close);

    if (rc == 0 && !close && x != NULL && x->client_minor == 0)
        rc = buf_append(&c->out, "Connection: keep-alive\r\n", 24);
    if (x != NULL) {
        x->info.status = status;
        if (rc == 0 && f->hooks.response_fields != NULL)
            rc = f->hooks.response_fields(f->hooks.ctx, &x->info, &c->out);
    }
    if (rc == 0)
        rc = buf_append(&c->out, "\r\n", 2);
    if (rc == 0 && !(x != NULL && x->head_only))
        rc = buf_append(&c->out, body, n);
    if (rc < 0)
        c->out.len = saved;
    return rc;
}

/* The exchange ends with a response the engine makes (502, 503, 504...):
 * the upstream connection, if any, is closed. The client connection is
 * kept only when the whole request was read. Returns 1, or a negative
 * errno when not even the error response fits (the client is dropped). */
static int exch_error(struct client *c, int status, enum fwd_outcome outcome)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    bool body_done = x->rqr.in == RELAY_IN_NONE || x->rq == RQ_DONE;
    bool keep = x->client_keep && !c->close_after && body_done && !status_closes(status);

    up_close(f, x->up);
    x->up = NULL;
    if (!keep)
        c->close_after = true;
    if (queue_error(c, x, status, !keep) < 0) {
        x->fail = outcome;
        return -ENOMEM;
    }
    x->rs = RS_DONE;
    x->rq = RQ_DONE;
    return exch_end(c, outcome);
}

/* ---- choosing and connecting ---------------------------------------------- */

static int exch_pick(struct client *c, const struct http_request *req);
static int exch_attach(struct client *c, bool allow_pool);

/* Appends the request head to u->out, with a Host field for a client that
 * sent none. Returns 0 or a negative errno. */
static int queue_head(struct client *c, struct upconn *u)
{
    const char *h = buf_peek(&c->fhead);
    size_t n = buf_len(&c->fhead);
    const struct fwd_upstream *up = &c->f->cfg.upstreams[u->idx];

    if (!c->x.need_host)
        return buf_append(&u->out, h, n);
    const char *eol = memchr(h, '\n', n);
    size_t line = eol != NULL ? (size_t)(eol - h) + 1 : n;
    int rc = buf_append(&u->out, h, line);
    if (rc == 0)
        rc = buf_append(&u->out, "Host: ", 6);
    if (rc == 0)
        rc = buf_append(&u->out, up->name, strlen(up->name));
    if (rc == 0)
        rc = buf_append(&u->out, "\r\n", 2);
    if (rc == 0)
        rc = buf_append(&u->out, h + line, n - line);
    return rc;
}

/* u is connected (or came from the pool): the request goes out. */
static int up_ready(struct client *c, struct upconn *u)
{
    struct exch *x = &c->x;

    u->state = U_ACTIVE;
    if (queue_head(c, u) < 0)
        return exch_error(c, 500, FWD_LOCAL);
    x->rq = RQ_BODY; /* the relay finishes at once when there is no body */
    c->progress = true;
    return 1;
}

/* Connecting to the chosen upstream failed (err: positive errno). The
 * next choice gets a try: nothing was sent, so any method may be retried. */
static int exch_connect_failed(struct client *c, int err)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    int idx = x->info.upstream;

    log_debug("upstream %s: connect: %s", f->cfg.upstreams[idx].name, strerror(err));
    up_close(f, x->up);
    x->up = NULL;
    if (x->began && f->hooks.end != NULL)
        f->hooks.end(f->hooks.ctx, idx);
    x->began = false;
    if (f->hooks.connect_failed != NULL)
        f->hooks.connect_failed(f->hooks.ctx, idx, err);
    x->tried |= 1ull << idx;
    x->last_err = err;
    x->fail = FWD_CONNECT_FAILED;
    x->info.attempt++;
    /* choose() is asked even after the last upstream failed: it may know
     * that nothing is available at all (FWD_UNAVAILABLE: 503). `tried`
     * bounds the attempts. */
    return exch_pick(c, NULL);
}

/* The upstream connection failed after connecting: closed, reset, timed
 * out, or it sent something that is not HTTP. Retries what may be retried
 * (see fwd.h), else answers 502/504 or, once the response head went to the
 * client, drops the client connection (a truncated response must not look
 * complete). */
static int exch_upstream_failed(struct client *c, int err, bool timeout)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    int idx = x->info.upstream;

    log_debug("upstream %s: %s", f->cfg.upstreams[idx].name,
              timeout ? "timed out"
              : err   ? strerror(err)
                      : "closed");
    x->fail = FWD_UPSTREAM_FAILED;
    x->last_err = timeout ? ETIMEDOUT : err ? err : ECONNRESET;
    if (!x->resp_any && !timeout && x->retryable) {
        up_close(f, x->up);
        x->up = NULL;
        if (x->reused && !x->stale_retry) {
            /* Most likely the server closed an idle connection just as we
             * reused it: once more, on a new connection to the same one. */
            x->stale_retry = true;
            return exch_attach(c, false);
        }
        if (x->began && f->hooks.end != NULL)
            f->hooks.end(f->hooks.ctx, idx);
        x->began = false;
        x->tried |= 1ull << idx;
        x->info.attempt++;
        return exch_pick(c, NULL);
    }
    if (!x->sent_head)
        return exch_error(c, timeout ? 504 : 502, FWD_UPSTREAM_FAILED);
    return -EPIPE;
}

/* Gets a connection to the chosen upstream: a live pooled one, or a new
 * one (in progress: the T_CONNECT deadline runs). */
static int exch_attach(struct client *c, bool allow_pool)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    int idx = x->info.upstream;
    struct upconn *u = allow_pool ? pool_take(f, idx) : NULL;
    int rc;

    x->up_gen++;
    if (u != NULL) {
        x->reused = true;
        u->owner = c;
        x->up = u;
        return up_ready(c, u);
    }
    x->reused = false;
    rc = up_open(&f->cfg.upstreams[idx], idx, UP_IN_MAX, UP_OUT_MAX, &u);
    if (rc == -ENOMEM || rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS) {
        /* Our shortage, not the upstream's fault: no retry, no ejection. */
        log_warn("cannot connect to %s: %s", f->cfg.upstreams[idx].name, strerror(-rc));
        return exch_error(c, 503, FWD_LOCAL);
    }
    if (rc < 0)
        return exch_connect_failed(c, -rc);
    u->owner = c;
    u->engine = f;
    u->mask = EPOLLOUT;
    if (loop_add(f->loop, u->fd, EPOLLOUT, on_up, u) < 0) {
        up_free(u);
        return exch_error(c, 503, FWD_LOCAL);
    }
    x->up = u;
    if (rc == 1)
        return up_ready(c, u);
    c->restart = true;
    return 1;
}

/* Parses the current request's head again (its bytes are in c->head): the
 * engine shares one struct http_request among all connections. */
static const struct http_request *reparse(struct client *c)
{
    struct http_request *req = &c->f->req;
    int n = (int)buf_len(&c->head);

    if (http_parse_request(buf_peek(&c->head), (size_t)n, 0, NULL, req) != n)
        return NULL; /* cannot happen: the same bytes parsed before */
    return req;
}

/* Asks the hooks which upstream serves this request (the first upstream
 * when there is no choose hook) and connects to it. */
static int exch_pick(struct client *c, const struct http_request *req)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    int idx;

    if (req == NULL && (req = reparse(c)) == NULL)
        return exch_error(c, 500, FWD_LOCAL);
    if (f->hooks.choose != NULL) {
        x->info.req = req;
        idx = f->hooks.choose(f->hooks.ctx, &x->info, x->tried);
        x->info.req = NULL;
    } else {
        idx = (x->tried & 1) ? -1 : 0;
    }
    /* An upstream that already failed this request is not tried again. */
    if (idx < 0 || idx >= (int)f->cfg.nupstreams || (x->tried & (1ull << idx))) {
        if (x->tried == 0 || idx == FWD_UNAVAILABLE)
            return exch_error(c, 503, x->tried == 0 ? FWD_LOCAL : x->fail); /* nothing to try */
        return exch_error(c, x->last_err == ETIMEDOUT ? 504 : 502, x->fail);
    }
    x->info.upstream = idx;
    if (f->hooks.begin != NULL)
        f->hooks.begin(f->hooks.ctx, idx);
    x->began = true;
    return exch_attach(c, true);
}

static bool idempotent(enum http_method m)
{
    return m == HTTP_GET || m == HTTP_HEAD || m == HTTP_OPTIONS || m == HTTP_TRACE ||
           m == HTTP_PUT || m == HTTP_DELETE;
}

/* A request head was parsed into f->req (pointing into c->head): set up
 * its exchange, let the local hook answer it, or build the upstream's head
 * and pick an upstream. */
static int exch_start(struct client *c, const struct http_request *req)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    enum relay_in in = RELAY_IN_NONE;

    memset(x, 0, sizeof(*x));
    x->info.client = c->ip;
    x->info.upstream = -1;
    x->info.start_ns = now_ns();
    size_t n = req->method_str.n < sizeof(x->info.method) - 1 ? req->method_str.n
                                                              : sizeof(x->info.method) - 1;
    memcpy(x->info.method, req->method_str.p, n);
    n = req->path.n < sizeof(x->info.path) - 1 ? req->path.n : sizeof(x->info.path) - 1;
    memcpy(x->info.path, req->path.p, n);
    x->fail = FWD_CLIENT_GONE;
    x->client_minor = req->minor;
    x->client_keep = req->keep_alive;
    x->head_only = req->method == HTTP_HEAD;
    /* An HTTP/1.0 request may come without Host; one with an empty Host
     * field ("Host:", allowed when the URI has no authority) keeps it as
     * sent, and must not get a second one. */
    x->need_host = req->host.n == 0 && http_find_header(req, "host") == NULL;
    x->retryable = idempotent(req->method) && req->body == HTTP_BODY_NONE;
    if (req->body == HTTP_BODY_LENGTH)
        in = RELAY_IN_LENGTH;
    else if (req->body == HTTP_BODY_CHUNKED)
        in = RELAY_IN_CHUNKED;
    relay_init(&x->rqr, in, req->content_length,
               in == RELAY_IN_CHUNKED ? RELAY_OUT_CHUNKED : RELAY_OUT_RAW);
    relay_init(&x->rsr, RELAY_IN_NONE, 0, RELAY_OUT_RAW);
    x->rq = RQ_WAIT;
    x->rs = RS_HEAD;
    c->state = C_EXCH;

    if (req->method == HTTP_CONNECT)
        return exch_error(c, 501, FWD_LOCAL); /* a reverse proxy makes no tunnels */

    if (f->hooks.local != NULL) {
        size_t saved = c->out.len;
        x->info.req = req;
        int r = f->hooks.local(f->hooks.ctx, &x->info, &c->out);
        x->info.req = NULL;
        if (r == 1) {
            /* Answered here; a body the client sends is read and dropped,
             * so the connection stays usable. */
            x->local = true;
            x->rs = RS_DONE;
            x->rq = RQ_BODY;
            x->rqr.out = RELAY_OUT_DISCARD;
            /* A client that waits for 100 Continue before sending its body
             * will not send it now: the connection cannot be reused. */
            if (!x->client_keep || (req->expect_continue && in != RELAY_IN_NONE))
                c->close_after = true;
            return 1;
        }
        c->out.len = saved;
    }

    buf_consume(&c->fhead, buf_len(&c->fhead));
    struct fields_request fr = {
        .req = req,
        .client_ip = c->ip,
        .via_name = f->cfg.via_name,
        .replace = f->hooks.replace_fields,
    };
    int rc = fields_write_request(&c->fhead, &fr);
    if (rc == 0 && f->hooks.request_fields != NULL) {
        x->info.req = req;
        rc = f->hooks.request_fields(f->hooks.ctx, &x->info, &c->fhead);
        x->info.req = NULL;
    }
    if (rc == 0)
        rc = buf_append(&c->fhead, "\r\n", 2);
    if (rc < 0)
        return exch_error(c, 500, FWD_LOCAL);
    return exch_pick(c, req);
}

/* Parses the next request head in c->in and starts its exchange. Returns
 * 1 when something changed, 0 when nothing could be done, or a negative
 * errno to drop the connection. */
static int client_next_request(struct client *c)
{
    struct fwd *f = c->f;
    size_t len = buf_len(&c->in);
    int rc;

    /* A client that closed its side gets no new exchange: it would be
     * dropped as gone at once (see exch_step). */
    if (c->close_after || c->peer_eof || len == 0 || buf_len(&c->out) >= HIGH)
        return 0;
    rc = http_parse_request(buf_peek(&c->in), len, c->prev_len, NULL, &f->req);
    if (rc == -2) {
        c->prev_len = len;
        if (len < HEAD_READ)
            return 0;
        f->req.status = 431; /* the parser refuses sooner; this is the buffer's own bound */
        rc = -1;
    }
    if (rc == -1) {
        c->close_after = true;
        rc = queue_error(c, NULL, f->req.status >= 400 ? f->req.status : 400, true);
        return rc < 0 ? rc : 1;
    }
    /* The head moves to c->head, where it stays put for the whole exchange
     * (c->in moves as bytes come and go), and is parsed there. */
    c->prev_len = 0;
    buf_consume(&c->head, buf_len(&c->head));
    if (buf_append(&c->head, buf_peek(&c->in), (size_t)rc) < 0) {
        c->close_after = true;
        return queue_error(c, NULL, 500, true) < 0 ? -ENOMEM : 1;
    }
    buf_consume(&c->in, (size_t)rc);
    const struct http_request *req = reparse(c);
    if (req == NULL)
        return -EPROTO;
    return exch_start(c, req);
}

/* ---- the exchange's moves ------------------------------------------------- */

/* Turns the upstream's response head in f->res into the client's: 1xx are
 * passed on (to HTTP/1.1 clients) and the next head is awaited; a final
 * head decides the body's framing both sides and whether the client
 * connection stays open. Returns 1, or as exch_error. */
static int exch_response_head(struct client *c, int head_len)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    struct upconn *u = x->up;
    const struct http_response *res = &f->res;
    enum relay_in in = RELAY_IN_NONE;
    enum relay_out out = RELAY_OUT_RAW;
    bool te_chunked = false, keep;
    size_t saved = c->out.len;
    int rc = 0;

    x->resp_any = true;
    if (res->status < 200) {
        if (res->status == 101) {
            /* Upgrade is hop-by-hop and never forwarded: a 101 is an
             * answer to nothing we sent. */
            log_warn("upstream %s: unexpected 101", f->cfg.upstreams[u->idx].name);
            return exch_error(c, 502, FWD_UPSTREAM_FAILED);
        }
        /* RFC 9110 §15.2: a proxy forwards 1xx, except to HTTP/1.0
         * clients, which do not know them. */
        if (x->client_minor >= 1) {
            rc = fields_write_response(&c->out, res, f->cfg.via_name, 0, FIELDS_CONN_NONE,
                                       f->hooks.replace_response_fields);
            if (rc == 0)
                rc = buf_append(&c->out, "\r\n", 2);
            if (rc < 0) {
                c->out.len = saved;
                return exch_error(c, 502, FWD_UPSTREAM_FAILED);
            }
        }
        buf_consume(&u->in, (size_t)head_len);
        return 1;
    }

    switch (res->body) {
    case HTTP_BODY_NONE:
        break;
    case HTTP_BODY_LENGTH:
        in = RELAY_IN_LENGTH;
        break;
    case HTTP_BODY_CHUNKED:
        in = RELAY_IN_CHUNKED;
        break;
    case HTTP_BODY_CLOSE:
        in = RELAY_IN_CLOSE;
        break;
    }
    /* The body keeps its framing; one that only the end of the connection
     * delimits is chunked for an HTTP/1.1 client, so the client connection
     * outlives the upstream's. An HTTP/1.0 client cannot take chunks: it
     * gets the bytes, and the connection's end marks the body's. */
    keep = x->client_keep && !c->close_after && x->rq == RQ_DONE;
    if (x->client_minor >= 1) {
        if (in == RELAY_IN_CHUNKED || in == RELAY_IN_CLOSE) {
            out = RELAY_OUT_CHUNKED;
            te_chunked = true;
        }
        if (x->head_only && res->chunked)
            te_chunked = true;
    } else if (in == RELAY_IN_CHUNKED || in == RELAY_IN_CLOSE) {
        keep = false;
    }
    if (!keep)
        c->close_after = true;

    x->info.status = res->status;
    rc = fields_write_response(&c->out, res, f->cfg.via_name, te_chunked,
                               !keep                  ? FIELDS_CONN_CLOSE
                               : x->client_minor == 0 ? FIELDS_CONN_KEEP_ALIVE
                                                      : FIELDS_CONN_NONE,
                               f->hooks.replace_response_fields);
    if (rc == 0 && f->hooks.response_fields != NULL)
        rc = f->hooks.response_fields(f->hooks.ctx, &x->info, &c->out);
    if (rc == 0)
        rc = buf_append(&c->out, "\r\n", 2);
    if (rc < 0) {
        c->out.len = saved;
        return exch_error(c, 502, FWD_UPSTREAM_FAILED);
    }
    buf_consume(&u->in, (size_t)head_len);
    x->sent_head = true;
    x->up_keep = res->keep_alive;
    relay_init(&x->rsr, in, res->content_length, out);
    x->rs = RS_BODY;
    return 1;
}

/* Reads response heads from u->in. Returns 1 when something changed, 0
 * when more bytes must come, or as exch_error. */
static int exch_read_head(struct client *c)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    struct upconn *u = x->up;
    size_t len = buf_len(&u->in);
    int rc;

    if (len == 0)
        return u->eof ? exch_upstream_failed(c, u->err, false) : 0;
    if (buf_len(&c->out) >= HIGH)
        return 0; /* 1xx heads the client has not read yet */
    rc = http_parse_response(buf_peek(&u->in), len, x->up_prev, NULL,
                             x->head_only ? HTTP_RESP_TO_HEAD : 0, &f->res);
    if (rc == -2) {
        x->up_prev = len;
        x->resp_any = true;
        if (u->eof || len >= HEAD_READ)
            return exch_upstream_failed(c, u->err, false);
        return 0;
    }
    x->up_prev = 0;
    if (rc == -1) {
        log_warn("upstream %s: malformed response: %s", f->cfg.upstreams[u->idx].name,
                 f->res.error);
        x->resp_any = true;
        return exch_error(c, 502, FWD_UPSTREAM_FAILED);
    }
    return exch_response_head(c, rc);
}

/* Moves what can move in c's exchange. Returns 1 when something changed,
 * 0 when nothing could, or a negative errno to drop the client connection
 * (x->fail says why). */
static int exch_step(struct client *c)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    struct upconn *u = x->up;
    unsigned gen = x->up_gen;
    int changed = 0, rc;

    if (c->peer_eof && !(x->rs == RS_DONE && x->rq == RQ_DONE)) {
        /* The client closed (or half-closed, which over HTTP/1.1 says the
         * same) before its response was complete: the upstream
         * connection is closed, so the upstream stops working for no one. */
        x->fail = FWD_CLIENT_GONE;
        return -EPIPE;
    }

    /* Request body: client -> upstream (or nowhere, for a local answer). */
    if (x->rq == RQ_BODY && (x->local || (u != NULL && !u->wdead))) {
        size_t before = buf_len(&c->in);
        rc = relay_move(&x->rqr, &c->in, c->peer_eof, x->local ? NULL : &u->out, HIGH, f->scratch,
                        sizeof(f->scratch));
        changed |= buf_len(&c->in) != before;
        if (rc == 1) {
            x->rq = RQ_DONE;
            changed = 1;
        } else if (rc < 0) {
            /* A malformed chunked body (or no memory): the request cannot
             * be completed. */
            log_debug("fd %d: request body: %s", c->fd, strerror(-rc));
            if (!x->sent_head && !x->local)
                return exch_error(c, rc == -EPROTO ? 400 : 500, FWD_LOCAL);
            c->close_after = true;
            x->rq = RQ_DONE;
            if (!x->local) {
                x->fail = FWD_CLIENT_GONE;
                return -EPROTO;
            }
        }
    }
    if (u != NULL && u->state == U_ACTIVE && buf_len(&u->out) > 0) {
        rc = up_flush(u);
        if (rc < 0) {
            /* It stopped reading (it may have answered already, e.g. 413
             * and close): what it sent can still be read. */
            log_debug("upstream %s: send: %s", f->cfg.upstreams[u->idx].name, strerror(-rc));
            u->wdead = true;
            buf_consume(&u->out, buf_len(&u->out));
            c->close_after = c->close_after || x->rq != RQ_DONE;
        }
        changed |= rc != 0;
        if (rc > 0)
            c->progress = true;
    }

    /* Response: upstream -> client. */
    if (u != NULL && u->state == U_ACTIVE) {
        while (x->rs == RS_HEAD) {
            rc = exch_read_head(c);
            if (rc < 0)
                return rc;
            /* The exchange ended, or moved to another connection (u is
             * freed then: only the generation may be compared). */
            if (c->state != C_EXCH || x->up_gen != gen || x->up == NULL)
                return 1;
            if (rc == 0)
                return changed;
            changed = 1;
        }
        if (x->rs == RS_BODY) {
            /* Only a clean end of stream (FIN) ends a close-delimited body:
             * after a reset, or a read we could not do, the body may be
             * cut, and must not look complete. */
            bool clean_eof = u->eof && u->err == 0;
            size_t before = buf_len(&u->in);
            rc = relay_move(&x->rsr, &u->in, clean_eof, &c->out, HIGH, f->scratch,
                            sizeof(f->scratch));
            changed |= buf_len(&u->in) != before;
            if (rc == 0 && u->eof && !clean_eof && buf_len(&u->in) == 0)
                rc = -EPIPE;
            if (rc == 1) {
                x->rs = RS_DONE;
                changed = 1;
            } else if (rc < 0) {
                /* Truncated or malformed after the head went out: the
                 * client connection closes without the end of the body,
                 * so the client cannot take the part for the whole. */
                log_debug("upstream %s: response body: %s", f->cfg.upstreams[u->idx].name,
                          rc == -EPIPE ? "ended early" : strerror(-rc));
                x->fail = FWD_UPSTREAM_FAILED;
                return -EPIPE;
            }
        }
    }

    if (x->rs == RS_DONE && (x->rq == RQ_DONE || c->close_after))
        return exch_end(c, x->local ? FWD_LOCAL : FWD_OK);
    return changed;
}

/* ---- the client connection ------------------------------------------------ */

/* Closes c. An exchange in progress ends with outcome x->fail: its
 * upstream connection is closed, never pooled. */
static void client_close(struct client *c)
{
    struct fwd *f = c->f;

    if (c->state == C_EXCH)
        exch_end(c, c->x.fail);
    loop_remove(f->loop, c->fd);
    dl_remove(&c->tnode);
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    buf_free(&c->head);
    buf_free(&c->fhead);
    free(c);
    f->nclients--;
}

/* The last response is sent: FIN, then read and drop what the client
 * still sends (closing with unread input would send an RST, which can
 * destroy the response in the client's kernel before it is read). Returns
 * 0, or -1 to close now. */
static int client_linger(struct client *c)
{
    if (c->peer_eof || shutdown(c->fd, SHUT_WR) < 0)
        return -1;
    c->state = C_LINGER;
    buf_free(&c->in);
    buf_free(&c->out);
    timer_set(c, T_LINGER, true);
    return 0;
}

static int client_drain(struct client *c)
{
    return net_drain(c->fd, c->f->drain, sizeof(c->f->drain));
}

/* Sets the epoll interest of c and of its upstream connection, and c's
 * deadline, from what they wait for. Returns 0 or a negative errno. */
static int client_rearm(struct client *c)
{
    struct fwd *f = c->f;
    struct exch *x = &c->x;
    uint32_t mask = 0;
    int rc;

    switch (c->state) {
    case C_LINGER:
        mask = EPOLLIN;
        break;
    case C_HEAD:
        if (!c->close_after && !c->peer_eof && buf_len(&c->in) < HEAD_READ)
            mask |= EPOLLIN;
        if (out_pending(c)) {
            mask |= EPOLLOUT;
            timer_set(c, T_EXCH, c->progress);
        } else {
            timer_set(c, buf_len(&c->in) > 0 ? T_HEADER : T_IDLE, c->answered);
            if (buf_len(&c->in) == 0 && c->in.cap > KEEP_BUF_MAX)
                buf_free(&c->in);
            if (c->out.cap > KEEP_BUF_MAX)
                buf_free(&c->out);
            if (c->fhead.cap > KEEP_BUF_MAX)
                buf_free(&c->fhead);
            if (c->head.cap > KEEP_BUF_MAX)
                buf_free(&c->head);
        }
        break;
    case C_EXCH:
        /* EPOLLRDHUP even when not reading: a client that goes away while
         * its response is awaited must be noticed (see exch_step). */
        mask = EPOLLRDHUP;
        if (x->rq != RQ_DONE && !c->close_after && buf_len(&c->in) < HIGH)
            mask |= EPOLLIN;
        if (out_pending(c))
            mask |= EPOLLOUT;
        if (x->up != NULL && x->up->state == U_CONNECTING)
            timer_set(c, T_CONNECT, c->restart);
        else
            timer_set(c, T_EXCH, c->progress);
        break;
    }
    /* Work left over by the round limit: a client socket is almost always
     * writable, so EPOLLOUT brings us back on the next loop turn, after
     * the other connections had theirs. */
    if (c->more && c->state != C_LINGER)
        mask |= EPOLLOUT;
    c->progress = false;
    c->answered = false;
    c->restart = false;
    if (mask != c->mask) {
        rc = loop_modify(f->loop, c->fd, mask);
        if (rc < 0)
            return rc;
        c->mask = mask;
    }

    struct upconn *u = c->state == C_EXCH ? x->up : NULL;
    if (u != NULL) {
        uint32_t um = 0;
        if (u->state == U_CONNECTING) {
            um = EPOLLOUT;
        } else {
            if (buf_len(&u->out) > 0)
                um |= EPOLLOUT;
            if (!u->eof && x->rs != RS_DONE &&
                buf_len(&u->in) < (x->rs == RS_HEAD ? HEAD_READ : HIGH))
                um |= EPOLLIN;
        }
        rc = up_set_mask(f, u, um);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Does everything c and its exchange can do now (see the top of the
 * file). At most ROUNDS_MAX rounds: many pipelined requests that are
 * answered at once (a local route, a 503) would otherwise keep the loop
 * from every other connection; the rest waits for the next loop turn
 * (c->more). Returns 0, or a negative errno when c must be closed. */
static int client_advance(struct client *c)
{
    int rc, round;

    c->more = false;
    for (round = 0; round < ROUNDS_MAX; round++) {
        int changed = 0;
        if (c->state == C_HEAD) {
            rc = client_next_request(c);
            if (rc < 0)
                return rc;
            changed |= rc;
        }
        if (c->state == C_EXCH) {
            rc = exch_step(c);
            if (rc < 0)
                return rc;
            changed |= rc;
        }
        rc = client_flush(c);
        if (rc < 0)
            return rc;
        changed |= rc;
        if (!changed)
            break;
    }
    c->more = round == ROUNDS_MAX;
    if (c->state == C_HEAD && !out_pending(c)) {
        if (c->close_after)
            return client_linger(c) < 0 ? -1 : client_rearm(c);
        if (c->peer_eof)
            return -1; /* everything it asked for is answered */
    }
    return client_rearm(c);
}

static void on_client(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct client *c = ctx;
    int rc;

    (void)loop;
    (void)fd;
    c->f->now = now_ms();
    if (c->state == C_LINGER) {
        if (client_drain(c) < 0)
            client_close(c);
        return;
    }
    rc = 0;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        rc = client_read(c, events);
    if (rc < 0) {
        c->x.fail = FWD_CLIENT_GONE;
        client_close(c);
        return;
    }
    if (client_advance(c) < 0)
        client_close(c);
}

static void on_up(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct upconn *u = ctx;
    struct client *c = u->owner;
    struct fwd *f;
    int rc = 0;

    (void)loop;
    (void)fd;
    if (u->state == U_IDLE) {
        /* An idle connection has nothing to say: data or an end means the
         * server closed it (or broke the protocol). Either way it is of no
         * more use. */
        f = u->engine;
        log_debug("upstream %s: idle connection closed by the server",
                  f->cfg.upstreams[u->idx].name);
        pool_remove(&f->pools[u->idx], u);
        f->npooled--;
        up_close(f, u);
        return;
    }
    f = c->f;
    f->now = now_ms();
    if (u->state == U_CONNECTING) {
        int err = up_connect_error(u);
        if (err == 0 && (events & (EPOLLERR | EPOLLHUP)))
            err = -ECONNREFUSED;
        rc = err < 0 ? exch_connect_failed(c, -err) : up_ready(c, u);
    } else {
        if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
            up_read(u, c->x.rs == RS_HEAD ? HEAD_READ : HIGH, events))
            c->progress = true;
        /* A hang-up or an error is reported whatever the interest mask,
         * at every loop turn. Once the stream has ended, the socket has
         * nothing more to say: stop watching it, or a client that reads
         * the rest of the response slowly would keep us spinning. */
        if (u->eof && (events & (EPOLLHUP | EPOLLERR)) && !u->unwatched) {
            loop_remove(f->loop, u->fd);
            u->unwatched = true;
        }
    }
    if (rc >= 0)
        rc = client_advance(c);
    if (rc < 0)
        client_close(c);
}

/* ---- the tick -------------------------------------------------------------- */

static void client_expire(struct client *c, enum tkind kind)
{
    struct exch *x = &c->x;
    int rc = -1;

    log_debug("fd %d: %s timeout", c->fd, tkind_name[kind]);
    switch (kind) {
    case T_HEADER:
        /* A head still incomplete after --header-timeout: 408 (RFC 9110
         * §15.5.9), then close. */
        c->close_after = true;
        if (queue_error(c, NULL, 408, true) == 0)
            rc = client_advance(c);
        break;
    case T_CONNECT:
        rc = exch_connect_failed(c, ETIMEDOUT);
        if (rc >= 0)
            rc = client_advance(c);
        break;
    case T_EXCH:
        if (c->state != C_EXCH) {
            x->fail = FWD_CLIENT_GONE; /* it does not read its response */
            break;
        }
        if (!x->sent_head && x->up != NULL) {
            bool client_stalled = x->rq == RQ_BODY && buf_len(&c->in) == 0 &&
                                  buf_len(&x->up->out) == 0 && x->rs == RS_HEAD &&
                                  buf_len(&x->up->in) == 0 && !x->local;
            if (client_stalled) {
                /* The request body stopped coming: the client's fault. */
                rc = exch_error(c, 408, FWD_CLIENT_GONE);
            } else {
                rc = exch_upstream_failed(c, 0, true);
            }
            if (rc >= 0)
                rc = client_advance(c);
            break;
        }
        x->fail = buf_len(&c->out) >= HIGH ? FWD_CLIENT_GONE : FWD_UPSTREAM_FAILED;
        break;
    case T_IDLE:
    case T_LINGER:
    default:
        break;
    }
    if (rc < 0)
        client_close(c);
}

static void on_tick(struct loop *loop, void *ctx)
{
    struct fwd *f = ctx;

    (void)loop;
    f->now = now_ms();
    for (int k = 0; k < T_NKINDS; k++) {
        struct dl_node *n;
        if (f->timeout_ms[k] == 0)
            continue; /* 0: no deadline of this kind */
        while ((n = dl_expired(&f->timers[k], f->now, f->timeout_ms[k])) != NULL) {
            struct client *c = DL_OWNER(n, struct client, tnode);
            /* A new start first: whatever client_expire() does, c is not
             * met again in this loop unless it was given a new deadline. */
            timer_set(c, (enum tkind)k, true);
            client_expire(c, (enum tkind)k);
        }
    }
    for (unsigned i = 0; i < f->cfg.nupstreams; i++) {
        struct up_pool *p = &f->pools[i];
        while (p->head != NULL && f->now - p->head->idle_since >= f->cfg.pool_idle_ms &&
               f->cfg.pool_idle_ms > 0) {
            struct upconn *u = p->head;
            pool_remove(p, u);
            f->npooled--;
            up_close(f, u);
        }
    }
    if (f->nclients > 0 || f->npooled > 0)
        tick_arm(f);
}

/* ---- accepting ----------------------------------------------------------- */

static int client_open(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct fwd *f = ctx;
    struct client *c;
    int rc;

    (void)peer_len;
    if (f->nclients >= f->cfg.max_clients)
        return -EMFILE; /* the acceptor closes it and pauses a while */
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    f->now = now_ms();
    c->f = f;
    c->fd = fd;
    c->state = C_HEAD;
    buf_init(&c->in, CLIENT_IN_MAX);
    buf_init(&c->out, CLIENT_OUT_MAX);
    buf_init(&c->head, HEAD_READ);
    buf_init(&c->fhead, 2 * HEAD_MAX);
    if (peer->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, c->ip, sizeof(c->ip));
    else
        inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, c->ip, sizeof(c->ip));
    net_set_nodelay(fd, true);
    rc = loop_add(f->loop, fd, EPOLLIN, on_client, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->mask = EPOLLIN;
    timer_set(c, T_IDLE, true);
    f->nclients++;
    tick_arm(f);
    return 0;
}

/* ---- the engine ------------------------------------------------------------- */

int fwd_create(struct loop *loop, const struct fwd_config *cfg, const struct fwd_hooks *hooks,
               struct fwd **out)
{
    struct fwd *f;
    int rc;

    if (cfg->nupstreams == 0 || cfg->nupstreams > FWD_MAX_UPSTREAMS || cfg->upstreams == NULL)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    f->loop = loop;
    f->cfg = *cfg;
    if (f->cfg.via_name == NULL)
        f->cfg.via_name = "osnet-proxy";
    if (f->cfg.max_clients == 0)
        f->cfg.max_clients = 10000;
    if (hooks != NULL)
        f->hooks = *hooks;
    f->timeout_ms[T_IDLE] = cfg->idle_timeout_ms;
    f->timeout_ms[T_HEADER] = cfg->header_timeout_ms;
    f->timeout_ms[T_CONNECT] = cfg->connect_timeout_ms;
    f->timeout_ms[T_EXCH] = cfg->upstream_timeout_ms;
    f->timeout_ms[T_LINGER] = LINGER_MS;
    /* The tick is a quarter of the shortest timeout (so a 1 s timeout
     * fires within 1.25 s), at most TICK_MAX_MS, at least 10 ms. */
    f->tick_ms = TICK_MAX_MS;
    for (int k = 0; k < T_NKINDS; k++)
        if (f->timeout_ms[k] > 0 && f->timeout_ms[k] / 4 < f->tick_ms)
            f->tick_ms = f->timeout_ms[k] / 4;
    if (cfg->pool_idle_ms > 0 && cfg->pool_idle_ms / 4 < f->tick_ms)
        f->tick_ms = cfg->pool_idle_ms / 4;
    if (f->tick_ms < 10)
        f->tick_ms = 10;
    httpdate_cache_init(&f->date);
    f->pools = calloc(cfg->nupstreams, sizeof(*f->pools));
    if (f->pools == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = loop_timer_create(loop, on_tick, f, &f->tick);
    if (rc < 0)
        goto fail;
    rc = acceptor_listen(loop, cfg->host, cfg->port, client_open, f, &f->acceptor);
    if (rc < 0)
        goto fail;
    *out = f;
    return 0;
fail:
    fwd_destroy(f);
    return rc;
}

void fwd_pool_flush(struct fwd *f, int upstream)
{
    struct upconn *u;

    if (upstream < 0 || upstream >= (int)f->cfg.nupstreams)
        return;
    while ((u = pool_pop(&f->pools[upstream])) != NULL) {
        f->npooled--;
        up_close(f, u);
    }
}

void fwd_destroy(struct fwd *f)
{
    if (f == NULL)
        return;
    for (int k = 0; k < T_NKINDS; k++)
        while (f->timers[k].head != NULL) {
            struct client *c = DL_OWNER(f->timers[k].head, struct client, tnode);
            c->x.fail = FWD_CLIENT_GONE;
            client_close(c);
        }
    if (f->pools != NULL)
        for (unsigned i = 0; i < f->cfg.nupstreams; i++)
            fwd_pool_flush(f, (int)i);
    acceptor_destroy(f->acceptor);
    loop_timer_destroy(f->tick);
    free(f->pools);
    free(f);
}

int fwd_local_port(const struct fwd *f)
{
    return net_local_port(acceptor_fd(f->acceptor));
}
