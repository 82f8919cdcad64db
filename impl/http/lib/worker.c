/* The connection state machine of the HTTP server, one event loop per
 * worker thread.
 *
 * A connection goes through at most three states:
 *
 *   HANDSHAKE (TLS only) -> ACTIVE -> LINGER -> closed
 *
 * ACTIVE is where requests are read and answered. Its input buffer holds
 * the bytes received and not yet answered: the head of the current request
 * at the front, then (when the handler wants it) its body, then whatever
 * the client pipelined after it. Requests are answered strictly in order;
 * each response is appended to the output buffer (a file body is sent from
 * the file afterwards with sendfile, or read and encrypted for TLS). While
 * output is pending the connection reads nothing and parses nothing more,
 * so a client that pipelines without reading costs at most one read of
 * input and OUT_HIGH_WATER of output; TCP flow control pushes back on it.
 *
 * When a response says "Connection: close" the connection moves to LINGER
 * once the response is sent: a FIN goes out (SHUT_WR) and what the client
 * still sends is read and dropped for a while, because closing a socket
 * with unread input sends an RST, which can make the client's kernel throw
 * away the response it has not read yet.
 *
 * Timeouts cost no system call per request. Each connection is on exactly
 * one of five lists (handshake, idle, header, io, linger), appended with
 * the time it entered it; every list has one duration, so each is ordered
 * by deadline, and a tick every TICK_MS looks only at the heads. */

#include "worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "accesslog.h"
#include "buf.h"
#include "deadline.h"
#include "httpdate.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "response.h"
#include "static.h"
#include "tls.h"

#define TICK_MS         250
#define LINGER_MS       5000
#define READ_CHUNK      4096
#define BODY_READ_CHUNK (64 * 1024)
#define OUT_HIGH_WATER  (64 * 1024) /* stop answering pipelined requests past this */
/* Bytes sent per callback, so that one fast reader of a big file does not
 * hold the loop. */
#define FLUSH_BUDGET   (1024 * 1024)
#define TLS_RECORD     (16 * 1024) /* the largest TLS record's plaintext (RFC 8446 §5.1) */
#define TLS_FILE_CHUNK (64 * 1024) /* file bytes read at once for TLS */
#define KEEP_BUF_MAX   4096 /* idle connections keep buffers up to this */
/* The worker's one handler body buffer is kept up to this: most replies
 * (an item is up to about 10 KB) then cost no malloc. */
#define BODY_KEEP_MAX (64 * 1024)
/* A route handler's response body may be this long even when --max-body
 * (the request's limit) is smaller: a page of a listing is larger than
 * any one item a client sends. */
#define REPLY_MIN (1024 * 1024)

enum tkind { T_HANDSHAKE, T_IDLE, T_HEADER, T_IO, T_LINGER, T_NKINDS };

static const char *const tkind_name[T_NKINDS] = {"handshake", "idle", "header", "io", "linger"};

enum conn_state { C_HANDSHAKE, C_ACTIVE, C_LINGER };
enum req_phase { P_HEAD, P_BODY };

struct worker {
    const struct http_config *cfg;
    struct loop *loop;
    struct acceptor *acceptor; /* this worker's own listener (SO_REUSEPORT) */
    int stop_fd;               /* eventfd: worker_stop() and worker_drain() write it */
    atomic_bool stop_asked, drain_asked;
    bool draining; /* not listening any more; closing connections as they go idle */
    struct loop_timer *tick;
    struct dl_list timers[T_NKINDS]; /* deadline.h: one list per kind */
    unsigned timeout_ms[T_NKINDS];
    size_t nconns;
    uint64_t now; /* ms, CLOCK_MONOTONIC_COARSE, refreshed per event */
    struct httpdate_cache date;
    struct alog log;
    struct http_request req; /* the request being answered (parsed into here) */
    char *scratch;           /* percent-decoding, normalized paths, Location */
    struct buf body;         /* a route handler's response body */
    struct buf fields;       /* the extra field lines of a handler's response */
    char drain[16 * 1024];   /* where lingering input is dropped */
};

struct conn {
    struct worker *w;
    int fd;
    SSL *ssl; /* NULL for plain HTTP */
    enum conn_state state;
    uint32_t mask;    /* current epoll interest */
    unsigned want;    /* TLS: the event the last blocked call waits for */
    bool peer_eof;    /* the client finished sending */
    bool close_after; /* close once the output is sent */
    bool progress;    /* bytes moved since the io deadline was last reset */
    bool answered;    /* a request was answered since the last rearm */

    struct dl_node dl; /* on the timers list of its current deadline */

    struct buf in;
    size_t prev_len; /* bytes of an incomplete head the parser has seen */
    enum req_phase phase;
    size_t head_len;    /* P_BODY: the head's length at the front of in */
    bool keep_body;     /* the handler reads the body: keep it after the head */
    bool want_continue; /* "Expect: 100-continue" from an HTTP/1.1 client */
    enum http_body body_kind;
    uint64_t body_left; /* Content-Length bytes still to come */
    size_t body_have;   /* body bytes kept after the head */
    struct http_chunked chunk;

    struct buf out;
    int file_fd; /* the file whose bytes follow out, or -1 */
    off_t file_off;
    uint64_t file_left;

    char peer[INET6_ADDRSTRLEN];
    uint64_t head_ns;  /* when the current request's head was complete (monotonic) */
    const char *route; /* the pattern of the route answering it, or NULL */
};

/* The largest response body a handler may write. */
static size_t reply_max(const struct http_config *cfg)
{
    return cfg->max_body > REPLY_MIN ? cfg->max_body : REPLY_MIN;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    /* The coarse clock is read from the vDSO without a system call; its
     * few milliseconds of resolution are plenty for second timeouts. */
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- timeouts ------------------------------------------------------------ */

/* Puts c on the list of kind. A connection already there keeps its start
 * time unless restart is set: the header deadline counts from the first
 * byte of the head, however many reads it takes. */
static void timer_set(struct conn *c, enum tkind kind, bool restart)
{
    dl_set(&c->w->timers[kind], &c->dl, c->w->now, restart);
}

/* ---- connection basics ---------------------------------------------------- */

static bool output_pending(const struct conn *c)
{
    return buf_len(&c->out) > 0 || c->file_left > 0;
}

/* The buffers' fields are public (buf.h draws them); the server needs two
 * operations buf.h does not have: writing into the live bytes (chunked
 * decoding in place) and removing bytes from the middle (a body nobody
 * reads, between a head and the next request). */
static char *in_data(struct conn *c)
{
    return c->in.data + c->in.off;
}

static void in_cut(struct conn *c, size_t at, size_t n)
{
    if (n == 0)
        return;
    memmove(in_data(c) + at, in_data(c) + at + n, c->in.len - at - n);
    c->in.len -= n;
}

/* Idle connections give back buffers bigger than KEEP_BUF_MAX; smaller
 * ones are kept so a keep-alive client does not cost two mallocs per
 * request. */
static void trim_buffers(struct conn *c)
{
    if (buf_len(&c->in) == 0 && c->in.cap > KEEP_BUF_MAX)
        buf_free(&c->in);
    if (buf_len(&c->out) == 0 && c->out.cap > KEEP_BUF_MAX)
        buf_free(&c->out);
}

static void conn_destroy(struct conn *c)
{
    struct worker *w = c->w;

    loop_remove(w->loop, c->fd);
    dl_remove(&c->dl);
    if (c->file_fd >= 0)
        close(c->file_fd);
    if (c->ssl != NULL)
        SSL_free(c->ssl);
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
    w->nconns--;
    if (w->cfg->hooks != NULL && w->cfg->hooks->conn_close != NULL)
        w->cfg->hooks->conn_close(w->cfg->hooks->ctx);
    if (w->draining && w->nconns == 0)
        loop_stop(w->loop);
}

/* ---- responses ------------------------------------------------------------ */

/* The request line as the client sent it (from the input buffer, which
 * still holds the head), for the access log. The empty lines a client may
 * send before it (RFC 9112 §2.2) are skipped. */
static void request_line(struct conn *c, const char **p, size_t *n)
{
    const char *s = buf_peek(&c->in), *end, *nl;

    *p = "";
    *n = 0;
    if (s == NULL)
        return;
    end = s + buf_len(&c->in);
    while (s < end && (*s == '\r' || *s == '\n'))
        s++;
    if ((size_t)(end - s) > ALOG_FIELD_MAX)
        end = s + ALOG_FIELD_MAX;
    nl = s < end ? memchr(s, '\n', (size_t)(end - s)) : NULL;
    *p = s;
    *n = (size_t)((nl != NULL ? nl : end) - s);
    if (*n > 0 && s[*n - 1] == '\r')
        (*n)--;
}

static void log_request(struct conn *c, const struct http_request *req, int status, uint64_t bytes)
{
    struct worker *w = c->w;
    struct alog_entry e = {.peer = c->peer, .status = status, .bytes = bytes};
    const struct http_header *h;

    if (w->log.fd < 0)
        return;
    e.time = httpdate_now(&w->date)->clf;
    request_line(c, &e.request, &e.request_len);
    if (req != NULL && (h = http_find_header(req, "Referer")) != NULL) {
        e.referer = h->value.p;
        e.referer_len = h->value.n;
    }
    if (req != NULL && (h = http_find_header(req, "User-Agent")) != NULL) {
        e.agent = h->value.p;
        e.agent_len = h->value.n;
    }
    alog_add(&w->log, &e);
}

/* Appends a response: head h, then body[0..n) unless the request was HEAD
 * (whose head says what a GET would have got). req is NULL when the head
 * could not be parsed. Whether the connection stays open is decided here:
 * the status or the request may close it. Returns 0 or a negative errno
 * (out of memory: the connection is dropped). */
static int queue_response(struct conn *c, const struct http_request *req, struct resp_head *h,
                          const char *body, size_t n)
{
    struct worker *w = c->w;
    bool head_only = req != NULL && req->method == HTTP_HEAD;
    bool keep = req != NULL && req->keep_alive && !c->close_after && !w->draining;
    size_t size, len;
    char *tail;
    size_t avail;
    int rc;

    /* RFC 9112 §9.6 lets a server close after any response; after these it
     * must, since the framing of whatever follows cannot be trusted. */
    switch (h->status) {
    case 400:
    case 408:
    case 413:
    case 414:
    case 431:
    case 500:
    case 501:
    case 505:
        keep = false;
        break;
    default:
        break;
    }
    if (!keep) {
        h->conn = RESP_CONN_CLOSE;
        c->close_after = true;
    } else if (req->minor == 0) {
        h->conn = RESP_CONN_KEEP_ALIVE;
    }
    if (head_only)
        n = 0;
    size = resp_head_size(h);
    rc = buf_reserve(&c->out, size + n, &tail, &avail);
    if (rc < 0)
        return rc;
    len = resp_head_write(h, httpdate_now(&w->date)->imf, tail);
    if (n > 0)
        memcpy(tail + len, body, n);
    buf_commit(&c->out, len + n);
    log_request(c, req, h->status, n + (head_only ? 0 : c->file_left));
    if (w->cfg->hooks != NULL && w->cfg->hooks->request_done != NULL) {
        struct http_request_info info = {
            .req = req,
            .route = req != NULL ? c->route : NULL,
            .peer = c->peer,
            .status = h->status,
            .ns = req != NULL ? now_ns() - c->head_ns : 0,
        };
        w->cfg->hooks->request_done(w->cfg->hooks->ctx, &info);
    }
    return 0;
}

/* Queues a status with its small text body ("404 Not Found\n"); allow is
 * the Allow value of a 405. */
static int queue_status(struct conn *c, const struct http_request *req, int status,
                        const char *allow)
{
    const struct http_hooks *hk = c->w->cfg->hooks;
    struct resp_head h = {.status = status, .content_type = "text/plain", .allow = allow};
    struct buf *b = &c->w->body;
    char body[64];

    if (hk != NULL && hk->error_body != NULL) {
        /* The program's own error format (items: a JSON object). */
        buf_consume(b, buf_len(b));
        if (hk->error_body(hk->ctx, status, b, &h.content_type) == 0) {
            h.content_length = buf_len(b);
            return queue_response(c, req, &h, buf_peek(b), buf_len(b));
        }
        h.content_type = "text/plain";
    }
    h.content_length = resp_error_body(status, body);
    return queue_response(c, req, &h, body, (size_t)h.content_length);
}

/* Answers with a static file (or the status static_serve decided). */
static int answer_static(struct conn *c, const struct http_request *req)
{
    struct worker *w = c->w;
    struct static_reply sr;
    struct resp_head h = {0};
    char body[64];
    size_t n = 0;
    int rc;

    if (w->cfg->root_fd < 0)
        return queue_status(c, req, 404, NULL); /* a server without --root */
    rc = static_serve(w->cfg->root_fd, req, w->scratch, &sr);
    if (rc < 0) {
        log_warn("static file: %s", strerror(-rc));
        return queue_status(c, req, 500, NULL);
    }
    h.status = sr.status;
    switch (sr.status) {
    case 200:
    case 206:
        h.content_type = sr.mime;
        h.content_length = sr.len;
        h.has_last_modified = true;
        h.last_modified = sr.mtime;
        h.accept_ranges = true;
        h.content_range = sr.status == 206;
        h.range_first = sr.first;
        h.range_len = sr.len;
        h.range_size = sr.size;
        if (sr.fd >= 0) {
            c->file_fd = sr.fd;
            c->file_off = (off_t)sr.first;
            c->file_left = sr.len;
        }
        return queue_response(c, req, &h, NULL, 0);
    case 304:
        h.no_length = true;
        h.has_last_modified = true;
        h.last_modified = sr.mtime;
        return queue_response(c, req, &h, NULL, 0);
    case 301:
        h.location = sr.location;
        h.location_len = sr.location_len;
        break;
    case 405:
        h.allow = "GET, HEAD";
        break;
    case 416:
        h.content_range = true;
        h.range_unsatisfiable = true;
        h.range_size = sr.size;
        break;
    default:
        break;
    }
    h.content_type = "text/plain";
    n = resp_error_body(sr.status, body);
    h.content_length = n;
    return queue_response(c, req, &h, body, n);
}

/* Answers a complete request: routes first, then static files. body is
 * the request body when the route keeps it. */
static int answer(struct conn *c, const struct http_request *req, const char *body, size_t n)
{
    struct worker *w = c->w;
    struct router_match m;
    char allow[64];

    switch (router_match(w->cfg->router, req->method, req->path.p, req->path.n, w->scratch, &m)) {
    case ROUTER_FOUND: {
        struct route_request rq = {
            .http = req,
            .params = m.params,
            .nparams = m.nparams,
            .query = req->query,
            .body = body,
            .body_len = n,
            .peer = c->peer,
            .ctx = m.route->ctx,
        };
        struct route_response rs = {
            .status = 200, .content_type = "text/plain", .body = &w->body, .fields = &w->fields};
        struct resp_head h = {0};
        int rc;

        buf_consume(&w->body, buf_len(&w->body));
        buf_consume(&w->fields, buf_len(&w->fields));
        c->route = m.route->pattern;
        rc = m.route->handler(&rq, &rs);
        if (rc < 0) {
            log_warn("%.*s: handler failed: %s", (int)req->path.n, req->path.p, strerror(-rc));
            return queue_status(c, req, 500, NULL);
        }
        if (rs.status >= 400 && buf_len(&w->body) == 0 && buf_len(&w->fields) == 0)
            return queue_status(c, req, rs.status, NULL);
        h.status = rs.status;
        h.content_type = rs.content_type;
        h.extra = buf_peek(&w->fields);
        h.extra_len = buf_len(&w->fields);
        if (rs.status == 204 || rs.status == 304) {
            /* RFC 9110 §8.6: neither has Content-Length or content. */
            h.no_length = true;
            h.content_type = NULL;
            buf_consume(&w->body, buf_len(&w->body));
        }
        h.content_length = buf_len(&w->body);
        rc = queue_response(c, req, &h, buf_peek(&w->body), buf_len(&w->body));
        if (w->body.cap > BODY_KEEP_MAX)
            buf_free(&w->body);
        return rc;
    }
    case ROUTER_NOT_ALLOWED:
        router_allow(m.allow, allow, sizeof(allow));
        return queue_status(c, req, 405, allow);
    case ROUTER_BAD_PATH:
        return queue_status(c, req, 400, NULL);
    case ROUTER_NO_ROUTE:
        break;
    }
    return answer_static(c, req);
}

/* ---- reading requests ----------------------------------------------------- */

/* A head was parsed into w->req: decide what to do with the body. Returns
 * 1 when the request is complete (no body), 0 when its body must be read
 * (phase P_BODY), or 2 when it was answered already (an error). */
static int begin_request(struct conn *c, const struct http_request *req)
{
    struct worker *w = c->w;
    struct router_match m;

    c->head_ns = now_ns();
    c->route = NULL;
    c->body_kind = req->body;
    c->body_have = 0;
    c->keep_body = false;
    c->want_continue = req->expect_continue && req->minor == 1;
    if (req->method == HTTP_OTHER) {
        /* Not a method we know: 501, and since we will not read its body
         * the connection closes. */
        return queue_status(c, req, 501, NULL) < 0 ? -ENOMEM : 2;
    }
    if (req->body == HTTP_BODY_NONE)
        return 1;
    if (req->body == HTTP_BODY_LENGTH && req->content_length > w->cfg->max_body)
        return queue_status(c, req, 413, NULL) < 0 ? -ENOMEM : 2;
    if (router_match(w->cfg->router, req->method, req->path.p, req->path.n, w->scratch, &m) ==
            ROUTER_FOUND &&
        (m.route->flags & ROUTE_BODY))
        c->keep_body = true;
    c->body_left = req->content_length;
    if (req->body == HTTP_BODY_CHUNKED)
        http_chunked_init(&c->chunk);
    c->phase = P_BODY;
    return 0;
}

/* Takes the body bytes that are in the input buffer after the head: keeps
 * them there (after the head) or cuts them out. Returns 1 when the body is
 * complete, 0 when more must come, or a status (400, 413) to answer. */
static int take_body(struct conn *c)
{
    size_t at = c->head_len + c->body_have;
    size_t avail = buf_len(&c->in) - at;

    if (avail > 0)
        c->want_continue = false; /* the body is coming: no need to invite it */

    if (c->body_kind == HTTP_BODY_LENGTH) {
        size_t take = avail < c->body_left ? avail : (size_t)c->body_left;
        if (c->keep_body)
            c->body_have += take;
        else
            in_cut(c, at, take);
        c->body_left -= take;
        return c->body_left == 0;
    }

    /* Chunked: decode in place; decoded data lands at `at`, and when the
     * body ends the bytes after it (the next request) follow at once. */
    size_t n = avail;
    ssize_t rest = avail > 0 ? http_chunked_decode(&c->chunk, in_data(c) + at, &n) : -2;
    if (rest == -1)
        return 400;
    c->in.len = at + n + (rest > 0 ? (size_t)rest : 0);
    if (c->chunk.total > c->w->cfg->max_body)
        return 413;
    if (c->keep_body)
        c->body_have += n;
    else
        in_cut(c, at, n);
    return rest >= 0;
}

/* Answers the requests the input buffer holds, in order, while the output
 * has room and no file is being sent. Returns the number of requests
 * answered, or a negative errno that drops the connection. */
static int conn_process(struct conn *c)
{
    struct worker *w = c->w;
    struct http_request *req = &w->req;
    bool fresh = false; /* w->req describes the head at the front of in */
    int done = 0, rc;

    while (!c->close_after && c->file_left == 0 && buf_len(&c->out) < OUT_HIGH_WATER) {
        if (c->phase == P_HEAD) {
            size_t len = buf_len(&c->in);
            if (len == 0)
                break;
            rc = http_parse_request(in_data(c), len, c->prev_len, &w->cfg->limits, req);
            if (rc == -2) {
                c->prev_len = len;
                /* The parser answers 431 past its limits; this is the
                 * buffer's own bound, should the two ever disagree. */
                if (len >= w->cfg->limits.max_head + READ_CHUNK)
                    return queue_status(c, NULL, 431, NULL) < 0 ? -ENOMEM : done + 1;
                break;
            }
            if (rc < 0) {
                rc = queue_status(c, NULL, req->status >= 400 ? req->status : 400, NULL);
                return rc < 0 ? rc : done + 1;
            }
            c->head_len = (size_t)rc;
            c->prev_len = 0;
            fresh = true;
            rc = begin_request(c, req);
            if (rc < 0)
                return rc;
            if (rc == 2)
                return done + 1; /* answered, and closing */
        }
        if (c->phase == P_BODY) {
            rc = take_body(c);
            if (rc >= 400) {
                /* The head at the front of in is intact (a body is only
                 * rewritten after it): parse it again if w->req has served
                 * other connections since, so the error is counted and
                 * logged with its method and path. */
                bool have = fresh || http_parse_request(in_data(c), c->head_len, 0,
                                                        &w->cfg->limits, req) == (int)c->head_len;
                rc = queue_status(c, have ? req : NULL, rc, NULL);
                return rc < 0 ? rc : done + 1;
            }
            if (rc == 0) {
                /* RFC 9110 §10.1.1: an HTTP/1.1 client that asked waits
                 * for 100 before sending the body; one that sent it anyway
                 * needs no invitation. */
                if (c->want_continue) {
                    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                    if (buf_append(&c->out, cont, sizeof(cont) - 1) < 0)
                        return -ENOMEM;
                    c->want_continue = false;
                }
                break;
            }
        }
        /* The request is complete. If its head was parsed in an earlier
         * call, w->req has served other connections since and the buffer
         * may have moved: parse the same bytes again. */
        if (!fresh && http_parse_request(in_data(c), c->head_len, 0, &w->cfg->limits, req) !=
                          (int)c->head_len)
            return -EPROTO; /* cannot happen: the same bytes parsed before */
        rc = answer(c, req, in_data(c) + c->head_len, c->keep_body ? c->body_have : 0);
        if (rc < 0)
            return rc;
        buf_consume(&c->in, c->head_len + (c->keep_body ? c->body_have : 0));
        c->phase = P_HEAD;
        c->keep_body = false;
        c->answered = true;
        fresh = false;
        done++;
    }
    return done;
}

/* Reads what the client sent into the input buffer. With TLS, reads
 * until OpenSSL holds no decrypted bytes back (SSL_pending), since epoll
 * cannot see those. Returns 0 (peer_eof is set at the end of the stream)
 * or a negative errno that drops the connection. */
static int conn_read(struct conn *c)
{
    size_t want = c->phase == P_BODY ? BODY_READ_CHUNK : READ_CHUNK;

    do {
        size_t room = c->in.max - buf_len(&c->in);
        size_t avail;
        char *tail;
        ssize_t n;
        int rc;

        if (room == 0)
            return -ENOBUFS; /* the bounds above make this unreachable */
        rc = buf_reserve(&c->in, want < room ? want : room, &tail, &avail);
        if (rc < 0)
            return rc;
        if (c->ssl != NULL) {
            n = tls_read(c->ssl, tail, avail, &c->want);
        } else {
            do {
                n = recv(c->fd, tail, avail, 0);
            } while (n < 0 && errno == EINTR);
            if (n < 0)
                n = -errno;
        }
        if (n == -EAGAIN || n == -EWOULDBLOCK)
            return 0;
        if (n < 0)
            return (int)n;
        if (n == 0) {
            c->peer_eof = true;
            return 0;
        }
        c->want = 0;
        c->progress = true;
        buf_commit(&c->in, (size_t)n);
    } while (c->ssl != NULL && SSL_pending(c->ssl) > 0);
    return 0;
}

/* ---- writing responses ---------------------------------------------------- */

/* TLS: the kernel cannot encrypt, so a file's bytes go through user space.
 * Tops the output buffer up with the file's next bytes, to TLS_FILE_CHUNK
 * in all: a small file then leaves in the same record, and the same write,
 * as its head. Returns 0 or a negative errno. */
static int file_to_out(struct conn *c)
{
    size_t want = TLS_FILE_CHUNK - buf_len(&c->out), avail;
    char *tail;
    ssize_t n;
    int rc;

    if (want > c->file_left)
        want = (size_t)c->file_left;
    rc = buf_reserve(&c->out, want, &tail, &avail);
    if (rc < 0)
        return rc;
    do {
        n = pread(c->file_fd, tail, want, c->file_off);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return n < 0 ? -errno : -EIO; /* 0: the file shrank under us */
    buf_commit(&c->out, (size_t)n);
    c->file_off += n;
    c->file_left -= (uint64_t)n;
    return 0;
}

/* Sends the output buffer, then the file body, until the socket is full,
 * everything is sent, or FLUSH_BUDGET bytes went. Returns 0 or a negative
 * errno that drops the connection. */
static int conn_flush(struct conn *c)
{
    size_t sent = 0;

    while (sent < FLUSH_BUDGET) {
        ssize_t n;

        if (c->ssl != NULL && c->file_left > 0 && buf_len(&c->out) < TLS_RECORD) {
            int rc = file_to_out(c);
            if (rc < 0)
                return rc;
        }
        if (buf_len(&c->out) > 0) {
            if (c->ssl != NULL) {
                n = tls_write(c->ssl, buf_peek(&c->out), buf_len(&c->out), &c->want);
            } else {
                /* MSG_MORE: the head of a file response waits for the
                 * file's first bytes, so both leave in one segment. */
                n = send(c->fd, buf_peek(&c->out), buf_len(&c->out),
                         MSG_NOSIGNAL | (c->file_left > 0 ? MSG_MORE : 0));
                if (n < 0)
                    n = -errno;
            }
            if (n == -EAGAIN || n == -EWOULDBLOCK)
                return 0;
            if (n == -EINTR)
                continue;
            if (n < 0)
                return (int)n;
            c->want = 0;
            buf_consume(&c->out, (size_t)n);
        } else if (c->file_left > 0) {
            /* Plain HTTP: the kernel copies from the page cache to the
             * socket, the file never passes through here. */
            size_t chunk = FLUSH_BUDGET - sent;
            if (chunk > c->file_left)
                chunk = (size_t)c->file_left;
            n = sendfile(c->fd, c->file_fd, &c->file_off, chunk);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
            if (n <= 0)
                return n < 0 ? -errno : -EIO; /* 0: the file shrank under us */
            c->file_left -= (uint64_t)n;
        } else {
            break;
        }
        sent += (size_t)n;
        c->progress = true;
    }
    if (c->file_left == 0 && c->file_fd >= 0) {
        close(c->file_fd);
        c->file_fd = -1;
    }
    return 0;
}

/* ---- closing -------------------------------------------------------------- */

/* The response that ends the connection is sent: say so (close_notify for
 * TLS, then a FIN) and read and drop what the client still sends until it
 * closes too or LINGER_MS pass. Returns 0, or -1 when the connection can
 * be closed at once. */
static int conn_linger(struct conn *c)
{
    if (c->peer_eof)
        return -1; /* nothing more will come: a plain close sends the FIN */
    if (c->ssl != NULL)
        tls_close_notify(c->ssl);
    if (shutdown(c->fd, SHUT_WR) < 0)
        return -1;
    c->state = C_LINGER;
    buf_free(&c->in);
    buf_free(&c->out);
    timer_set(c, T_LINGER, true);
    return 0;
}

/* LINGER: drops input until the end of the stream. Returns 0 to keep
 * waiting, -1 to close. */
static int conn_drain(struct conn *c)
{
    return net_drain(c->fd, c->w->drain, sizeof(c->w->drain));
}

/* ---- the event handler ---------------------------------------------------- */

/* Picks the timeout list and the epoll interest that fit what c waits
 * for now. Returns 0 or a negative errno. */
static int conn_rearm(struct conn *c)
{
    uint32_t mask;

    switch (c->state) {
    case C_HANDSHAKE:
        mask = c->want;
        break;
    case C_LINGER:
        mask = EPOLLIN;
        break;
    case C_ACTIVE:
    default:
        if (output_pending(c)) {
            timer_set(c, T_IO, c->progress);
            mask = c->want == EPOLLIN ? EPOLLIN : EPOLLOUT;
        } else {
            /* A new head or a new idle period starts its clock afresh;
             * more bytes of the same head do not. */
            if (c->phase == P_BODY)
                timer_set(c, T_IO, c->progress);
            else if (buf_len(&c->in) > 0)
                timer_set(c, T_HEADER, c->answered);
            else if (c->w->draining)
                return -1; /* nothing begun, nothing owed: close it */
            else
                timer_set(c, T_IDLE, c->answered);
            mask = c->want == EPOLLOUT ? EPOLLOUT : EPOLLIN;
            trim_buffers(c);
        }
        break;
    }
    c->progress = false;
    c->answered = false;
    if (mask != c->mask) {
        int rc = loop_modify(c->w->loop, c->fd, mask);
        if (rc < 0)
            return rc;
        c->mask = mask;
    }
    return 0;
}

/* Answers what can be answered and sends what can be sent, as long as
 * sending makes room for more answers. Then closes, lingers, or waits.
 * Returns 0, or a negative value to drop the connection. */
static int conn_advance(struct conn *c)
{
    int done, rc;
    bool was_pending;

    for (;;) {
        done = conn_process(c);
        if (done < 0)
            return done;
        /* The access log lines of these responses go out before the
         * responses do: a client that got its answer finds its line. */
        alog_flush(&c->w->log);
        was_pending = output_pending(c);
        rc = conn_flush(c);
        if (rc < 0)
            return rc;
        /* Go round again while sending made room: the requests that waited
         * behind a response (a file, a full buffer) can be answered now. */
        if (output_pending(c) || c->close_after || (done == 0 && !was_pending))
            break;
    }

    if (!output_pending(c)) {
        if (c->close_after)
            return conn_linger(c) < 0 ? -1 : conn_rearm(c);
        if (c->peer_eof) {
            /* Everything it sent is answered. TLS: its close_notify gets
             * ours in return (RFC 8446 §6.1). */
            if (c->ssl != NULL)
                tls_close_notify(c->ssl);
            return -1;
        }
    }
    return conn_rearm(c);
}

/* Does what a readiness event on c allows. Returns 0, or a negative value
 * to drop the connection. */
static int conn_step(struct conn *c)
{
    int rc;

    if (c->state == C_LINGER)
        return conn_drain(c);
    if (c->state == C_HANDSHAKE) {
        rc = tls_handshake(c->ssl, &c->want);
        if (rc == -EAGAIN)
            return conn_rearm(c);
        if (rc < 0) {
            /* A plaintext request, an old protocol, garbage: close without
             * an HTTP answer (OpenSSL sent an alert if it could), after
             * reading what the client sent, so it gets a FIN, not an RST. */
            log_debug("fd %d: TLS handshake failed", c->fd);
            return conn_linger(c) < 0 ? -1 : conn_rearm(c);
        }
        log_debug("fd %d: TLS handshake done, ALPN '%s'", c->fd, tls_alpn(c->ssl));
        c->state = C_ACTIVE;
        c->want = 0;
        timer_set(c, T_IDLE, true);
        /* The first request often came with the client's Finished. */
    }
    for (;;) {
        if (output_pending(c)) {
            rc = conn_flush(c);
            if (rc < 0)
                return rc;
        }
        if (!output_pending(c) && !c->peer_eof && !c->close_after) {
            rc = conn_read(c);
            if (rc < 0)
                return rc;
        }
        rc = conn_advance(c);
        if (rc < 0 || c->state != C_ACTIVE)
            return rc;
        /* Decrypted bytes OpenSSL still holds wake no epoll: take them now
         * if the connection may read. */
        if (c->ssl == NULL || SSL_pending(c->ssl) == 0 || output_pending(c) || c->peer_eof ||
            c->close_after)
            return 0;
    }
}

static void on_conn(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct conn *c = ctx;

    (void)loop;
    (void)fd;
    (void)events;
    c->w->now = now_ms();
    if (conn_step(c) < 0)
        conn_destroy(c);
}

/* ---- the tick: deadlines ------------------------------------------------- */

/* c's deadline passed. */
static void conn_expire(struct conn *c, enum tkind kind)
{
    log_debug("fd %d: %s timeout", c->fd, tkind_name[kind]);
    if (kind == T_HEADER && c->state == C_ACTIVE) {
        /* Slowloris: a head still incomplete after --header-timeout. Say
         * 408 (RFC 9110 §15.5.9) and close. */
        if (queue_status(c, NULL, 408, NULL) == 0) {
            alog_flush(&c->w->log);
            if (conn_flush(c) == 0) {
                if (!output_pending(c) && conn_linger(c) == 0 && conn_rearm(c) == 0)
                    return;
                if (output_pending(c) && conn_rearm(c) == 0)
                    return;
            }
        }
    } else if (kind == T_IDLE && c->ssl != NULL && c->state == C_ACTIVE) {
        tls_close_notify(c->ssl);
    }
    conn_destroy(c);
}

static void tick_arm(struct worker *w)
{
    int rc = loop_timer_arm(w->tick, TICK_MS);

    if (rc < 0)
        log_error("cannot arm the tick timer: %s", strerror(-rc));
}

static void on_tick(struct loop *loop, void *ctx)
{
    struct worker *w = ctx;

    (void)loop;
    w->now = now_ms();
    for (int k = 0; k < T_NKINDS; k++) {
        struct dl_node *n;
        while ((n = dl_expired(&w->timers[k], w->now, w->timeout_ms[k])) != NULL)
            conn_expire(DL_OWNER(n, struct conn, dl), (enum tkind)k);
    }
    if (w->nconns > 0)
        tick_arm(w);
}

/* ---- accepting ------------------------------------------------------------ */

/* Takes a connection the worker's acceptor accepted (impl/lib/acceptor.h:
 * at most 64 per wakeup, accept paused for 100 ms when out of descriptors
 * or memory, each episode logged once). peer is the client's address, for
 * the access log. Returns 0, or a negative errno: the acceptor then closes
 * fd and pauses accepting. */
static int conn_open(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct worker *w = ctx;
    struct conn *c = calloc(1, sizeof(*c));
    int rc;

    (void)peer_len; /* TCP: the family says how long it is */
    if (c == NULL)
        return -ENOMEM;
    w->now = now_ms(); /* the connection's first deadline counts from here */
    c->w = w;
    c->fd = fd;
    c->file_fd = -1;
    buf_init(&c->in, w->cfg->limits.max_head + w->cfg->max_body + 2 * BODY_READ_CHUNK);
    buf_init(&c->out, OUT_HIGH_WATER + w->cfg->limits.max_head + reply_max(w->cfg) +
                          2 * TLS_FILE_CHUNK);
    if (peer->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, c->peer,
                  sizeof(c->peer));
    else
        inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, c->peer,
                  sizeof(c->peer));
    /* Responses go out whole and at once; Nagle's algorithm would hold the
     * last small segment back until the previous one is acknowledged. */
    net_set_nodelay(fd, true);
    if (w->cfg->tls != NULL) {
        c->ssl = tls_conn_new(w->cfg->tls, fd);
        if (c->ssl == NULL) {
            free(c);
            return -ENOMEM;
        }
        c->state = C_HANDSHAKE;
        c->want = EPOLLIN;
    } else {
        c->state = C_ACTIVE;
    }
    rc = loop_add(w->loop, fd, EPOLLIN, on_conn, c);
    if (rc < 0) {
        if (c->ssl != NULL)
            SSL_free(c->ssl);
        free(c);
        return rc;
    }
    c->mask = EPOLLIN;
    timer_set(c, c->state == C_HANDSHAKE ? T_HANDSHAKE : T_IDLE, true);
    w->nconns++;
    if (w->cfg->hooks != NULL && w->cfg->hooks->conn_open != NULL)
        w->cfg->hooks->conn_open(w->cfg->hooks->ctx);
    if (!loop_timer_armed(w->tick))
        tick_arm(w);
    return 0;
}

/* ---- the worker ----------------------------------------------------------- */

/* Starts draining (worker_drain()): no more accepting, and every
 * connection that waits for a request (or for a TLS handshake to bring
 * one) is closed now; the others close after their response. */
static void begin_drain(struct worker *w)
{
    int lfd = acceptor_fd(w->acceptor);
    struct dl_node *n;

    w->draining = true;
    acceptor_destroy(w->acceptor);
    w->acceptor = NULL;
    /* A listening socket shut down stops listening: connections still in
     * its queue are reset and new ones refused, where merely not calling
     * accept() would leave clients waiting in the queue until exit. */
    if (shutdown(lfd, SHUT_RDWR) < 0)
        log_warn("shutdown of the listening socket: %s", strerror(errno));
    w->now = now_ms();
    while ((n = w->timers[T_IDLE].head) != NULL) {
        struct conn *c = DL_OWNER(n, struct conn, dl);
        if (c->ssl != NULL && c->state == C_ACTIVE)
            tls_close_notify(c->ssl);
        conn_destroy(c);
    }
    while ((n = w->timers[T_HANDSHAKE].head) != NULL)
        conn_destroy(DL_OWNER(n, struct conn, dl));
    if (w->nconns == 0)
        loop_stop(w->loop);
}

static void on_stop(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct worker *w = ctx;
    uint64_t v;

    (void)events;
    if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
        return;
    if (atomic_load(&w->stop_asked))
        loop_stop(loop);
    else if (atomic_load(&w->drain_asked) && !w->draining)
        begin_drain(w);
}

int worker_create(const struct http_config *cfg, int listen_fd, struct worker **out)
{
    struct worker *w = calloc(1, sizeof(*w));
    char *tail;
    size_t avail;
    int rc;

    if (w == NULL)
        return -ENOMEM;
    w->cfg = cfg;
    w->stop_fd = -1;
    w->timeout_ms[T_HANDSHAKE] = cfg->handshake_timeout_ms;
    w->timeout_ms[T_IDLE] = cfg->idle_timeout_ms;
    w->timeout_ms[T_HEADER] = cfg->header_timeout_ms;
    w->timeout_ms[T_IO] = cfg->send_timeout_ms;
    w->timeout_ms[T_LINGER] = LINGER_MS;
    httpdate_cache_init(&w->date);
    buf_init(&w->body, reply_max(cfg) + cfg->limits.max_head);
    buf_init(&w->fields, 4096);
    /* Allocated now, not at the first response that needs it: a handler
     * that has made a change (created an item) must not then fail for want
     * of memory to say where it is. */
    rc = buf_reserve(&w->fields, 512, &tail, &avail);
    if (rc < 0)
        goto fail;
    rc = alog_init(&w->log, cfg->log_fd);
    if (rc < 0)
        goto fail;
    /* Decoded path segments (router_match: the path's length), or the
     * normalized path and the 301 Location (static_serve: 4 times the
     * target's). The target is part of the request line, which the parser
     * holds to limits.max_request_line. */
    w->scratch = malloc(4 * cfg->limits.max_request_line + 64);
    if (w->scratch == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = loop_create(&w->loop);
    if (rc < 0)
        goto fail;
    w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->stop_fd < 0) {
        rc = -errno;
        goto fail;
    }
    rc = loop_add(w->loop, w->stop_fd, EPOLLIN, on_stop, w);
    if (rc == 0)
        rc = loop_timer_create(w->loop, on_tick, w, &w->tick);
    /* The socket was opened by main() and stays its own: acceptor_adopt()
     * watches it, acceptor_destroy() does not close it. */
    if (rc == 0)
        rc = acceptor_adopt(w->loop, listen_fd, conn_open, w, &w->acceptor);
    if (rc < 0)
        goto fail;
    *out = w;
    return 0;
fail:
    worker_destroy(w);
    return rc;
}

int worker_run(struct worker *w)
{
    int rc = loop_run(w->loop);

    for (int k = 0; k < T_NKINDS; k++)
        while (w->timers[k].head != NULL)
            conn_destroy(DL_OWNER(w->timers[k].head, struct conn, dl));
    alog_flush(&w->log);
    return rc;
}

void worker_stop(struct worker *w)
{
    uint64_t one = 1;

    atomic_store(&w->stop_asked, true);
    if (write(w->stop_fd, &one, sizeof(one)) < 0)
        log_error("cannot wake a worker: %s", strerror(errno));
}

void worker_drain(struct worker *w)
{
    uint64_t one = 1;

    atomic_store(&w->drain_asked, true);
    if (write(w->stop_fd, &one, sizeof(one)) < 0)
        log_error("cannot wake a worker: %s", strerror(errno));
}

void worker_destroy(struct worker *w)
{
    if (w == NULL)
        return;
    if (w->loop != NULL) {
        loop_timer_destroy(w->tick);
        acceptor_destroy(w->acceptor);
        if (w->stop_fd >= 0)
            loop_remove(w->loop, w->stop_fd);
        loop_destroy(w->loop);
    }
    if (w->stop_fd >= 0)
        close(w->stop_fd);
    alog_free(&w->log);
    buf_free(&w->body);
    buf_free(&w->fields);
    free(w->scratch);
    free(w);
}
