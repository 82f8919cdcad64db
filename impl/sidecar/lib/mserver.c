#include "mserver.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acceptor.h"
#include "httpdate.h"
#include "log.h"
#include "net.h"
#include "response.h"

#define IN_MAX     (64 * 1024 + 4096) /* a whole head at the parser's limit, and a bit */
#define OUT_MAX    (4 * 1024 * 1024)
#define OUT_HIGH   (256 * 1024) /* stop answering pipelined requests past this */
#define READ_CHUNK 16384
#define LINGER_MS  2000 /* after the last response: read and drop, then close */

enum mconn_state {
    MCONN_OPEN,     /* reading and answering requests */
    MCONN_CLOSING,  /* the last response is queued: close once it is sent */
    MCONN_DRAINING, /* sent, write side shut: drop input until EOF or LINGER_MS */
};

struct mconn {
    struct mserver *srv;
    int fd;
    enum mconn_state state;
    uint32_t mask;
    bool eof; /* the client has shut down its side */
    struct buf in, out;
    size_t seen; /* bytes of in the parser has already looked at */
    struct loop_timer *timer;
    struct mconn *prev, *next;
};

struct mserver {
    struct loop *loop;
    int listen_fd;
    struct acceptor *acc;
    unsigned idle_ms;
    mserver_body_cb *cb;
    void *ctx;
    struct mconn *conns;
    unsigned nconns;
    struct buf body; /* scratch: the body being made */
    struct httpdate_cache date;
};

int mserver_route(const struct http_request *req)
{
    static const char path[] = MSERVER_PATH;

    if (req->path.n != sizeof(path) - 1 || memcmp(req->path.p, path, req->path.n) != 0)
        return 404;
    if (req->method != HTTP_GET && req->method != HTTP_HEAD)
        return 405;
    return 200;
}

static void conn_close(struct mconn *c)
{
    struct mserver *m = c->srv;

    loop_timer_destroy(c->timer);
    loop_remove(m->loop, c->fd);
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    m->nconns--;
    free(c);
}

/* Queues one response. head_only: HEAD, the body is counted, not sent.
 * Returns 0 or -errno (the connection is then closed by the caller). */
static int respond(struct mconn *c, int status, bool head_only, bool close_after)
{
    struct mserver *m = c->srv;
    struct resp_head h = {.status = status, .content_type = "text/plain; charset=utf-8"};
    char errbody[64];
    const char *body = errbody;
    size_t blen;
    char *head;
    int rc;

    buf_consume(&m->body, buf_len(&m->body));
    if (status == 200) {
        rc = m->cb(m->ctx, &m->body);
        if (rc < 0) {
            log_warn("metrics: cannot write the exposition: %s", strerror(-rc));
            buf_consume(&m->body, buf_len(&m->body));
            status = h.status = 500;
        } else {
            h.content_type = MSERVER_CONTENT_TYPE;
            body = buf_peek(&m->body);
        }
    }
    if (status == 200) {
        blen = buf_len(&m->body);
    } else {
        blen = resp_error_body(status, errbody);
    }
    if (status == 405)
        h.allow = "GET, HEAD";
    h.content_length = blen;
    h.conn = close_after ? RESP_CONN_CLOSE : RESP_CONN_NONE;
    head = malloc(resp_head_size(&h));
    if (head == NULL)
        return -ENOMEM;
    rc = buf_append(&c->out, head, resp_head_write(&h, httpdate_now(&m->date)->imf, head));
    free(head);
    if (rc == 0 && !head_only && blen > 0)
        rc = buf_append(&c->out, body, blen);
    return rc;
}

/* Answers every complete request in c->in, in order, until the output is
 * large enough to wait for the client to read. */
static int handle_input(struct mconn *c)
{
    struct http_request req;

    while (c->state == MCONN_OPEN && buf_len(&c->out) < OUT_HIGH) {
        size_t len = buf_len(&c->in);
        int n, status;
        bool keep;

        if (len == 0)
            break;
        n = http_parse_request(buf_peek(&c->in), len, c->seen, NULL, &req);
        if (n == -2) {
            c->seen = len;
            break;
        }
        if (n == -1) {
            c->state = MCONN_CLOSING;
            return respond(c, req.status, false, true);
        }
        status = mserver_route(&req);
        /* A scrape has no body; rather than read one, answer and close. */
        keep = req.keep_alive && req.body == HTTP_BODY_NONE;
        if (!keep)
            c->state = MCONN_CLOSING;
        if (respond(c, status, req.method == HTTP_HEAD, !keep) < 0)
            return -ENOMEM;
        buf_consume(&c->in, (size_t)n);
        c->seen = 0;
        loop_timer_arm(c->timer, c->srv->idle_ms);
    }
    return 0;
}

/* Sends what the kernel takes and sets the interest mask. Returns 0, or
 * -errno when the connection must be closed. */
static int conn_flush(struct mconn *c)
{
    uint32_t mask;
    bool want_read;

    while (buf_len(&c->out) > 0) {
        ssize_t n = send(c->fd, buf_peek(&c->out), buf_len(&c->out), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return -errno;
        }
        buf_consume(&c->out, (size_t)n);
    }
    if (buf_len(&c->out) == 0) {
        buf_free(&c->out);
        if (c->state == MCONN_CLOSING) {
            /* Half-close, then read until the client closes too: closing
             * with its bytes unread would send an RST, which can destroy
             * the response before the client has read it. */
            shutdown(c->fd, SHUT_WR);
            c->state = MCONN_DRAINING;
            loop_timer_arm(c->timer, LINGER_MS);
        }
    }
    /* Read only when something will take the bytes: the parser (while the
     * output is small), or the drain; otherwise a level-triggered EPOLLIN
     * would call back at once, again and again. */
    want_read = !c->eof && (c->state == MCONN_DRAINING ||
                            (c->state == MCONN_OPEN && buf_len(&c->out) < OUT_HIGH));
    mask = (want_read ? EPOLLIN | EPOLLRDHUP : 0) | (buf_len(&c->out) > 0 ? EPOLLOUT : 0);
    if (mask != c->mask) {
        int rc = loop_modify(c->srv->loop, c->fd, mask);
        if (rc < 0)
            return rc;
        c->mask = mask;
    }
    return 0;
}

/* Reads what arrived. Returns 1 at end of input, 0, or -errno. */
static int conn_read(struct mconn *c)
{
    for (int i = 0; i < 4; i++) {
        char *tail;
        size_t avail;
        ssize_t n;

        if (c->state == MCONN_DRAINING) {
            char drop[READ_CHUNK];
            n = recv(c->fd, drop, sizeof(drop), 0);
        } else {
            /* Ask for what still fits, not a whole READ_CHUNK: a head
             * near the parser's limit must still be read to its end (or to
             * the parser's 431). The buffer is never full here: the parser
             * refuses a head before IN_MAX, and complete requests are
             * answered (or reading stops, see conn_flush()) first. */
            size_t room = c->in.max - buf_len(&c->in);
            if (room == 0 ||
                buf_reserve(&c->in, room < READ_CHUNK ? room : READ_CHUNK, &tail, &avail) < 0)
                return -ENOBUFS;
            n = recv(c->fd, tail, avail, 0);
            if (n > 0)
                buf_commit(&c->in, (size_t)n);
        }
        if (n == 0)
            return 1;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 0;
            return -errno;
        }
    }
    return 0;
}

static void conn_event(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct mconn *c = ctx;
    int rc = 0;

    (void)loop;
    (void)fd;
    if (!c->eof && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
        rc = conn_read(c);
        if (rc < 0 || (rc == 1 && c->state == MCONN_DRAINING)) {
            conn_close(c);
            return;
        }
        c->eof = rc == 1;
    }
    rc = c->state == MCONN_OPEN ? handle_input(c) : 0;
    if (c->eof && c->state == MCONN_OPEN) {
        /* The client is done sending; answer what it sent, then close. */
        c->state = MCONN_CLOSING;
    }
    if (rc == 0)
        rc = conn_flush(c);
    if (rc < 0 || (c->eof && buf_len(&c->out) == 0))
        conn_close(c);
}

static void conn_timeout(struct loop *loop, void *ctx)
{
    (void)loop;
    conn_close(ctx);
}

static int conn_open(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct mserver *m = ctx;
    struct mconn *c;
    int rc;

    (void)peer;
    (void)peer_len;
    if (m->nconns >= MSERVER_MAX_CONNS) {
        close(fd); /* taken, and refused: the scraper retries later */
        return 0;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->srv = m;
    c->fd = fd;
    c->mask = EPOLLIN | EPOLLRDHUP;
    buf_init(&c->in, IN_MAX);
    buf_init(&c->out, OUT_MAX);
    rc = loop_timer_create(m->loop, conn_timeout, c, &c->timer);
    if (rc == 0)
        rc = loop_timer_arm(c->timer, m->idle_ms);
    if (rc == 0)
        rc = loop_add(m->loop, fd, c->mask, conn_event, c);
    if (rc < 0) {
        loop_timer_destroy(c->timer);
        free(c);
        return rc;
    }
    c->next = m->conns;
    if (m->conns != NULL)
        m->conns->prev = c;
    m->conns = c;
    m->nconns++;
    return 0;
}

int mserver_create(struct loop *loop, const char *host, unsigned port, unsigned idle_ms,
                   mserver_body_cb *cb, void *ctx, struct mserver **out)
{
    struct mserver *m = calloc(1, sizeof(*m));
    int rc;

    if (m == NULL)
        return -ENOMEM;
    m->loop = loop;
    m->idle_ms = idle_ms;
    m->cb = cb;
    m->ctx = ctx;
    buf_init(&m->body, OUT_MAX);
    httpdate_cache_init(&m->date);
    /* Opened here rather than by acceptor_listen(), whose "listening on"
     * line would read like the main port's. */
    m->listen_fd = net_listen(host, port, SOMAXCONN, NET_NONBLOCK);
    if (m->listen_fd < 0) {
        rc = m->listen_fd;
        log_error("cannot listen on %s:%u (metrics): %s", host, port, strerror(-rc));
        free(m);
        return rc;
    }
    rc = acceptor_adopt(loop, m->listen_fd, conn_open, m, &m->acc);
    if (rc < 0) {
        log_error("metrics listener: %s", strerror(-rc));
        close(m->listen_fd);
        free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void mserver_destroy(struct mserver *m)
{
    if (m == NULL)
        return;
    while (m->conns != NULL)
        conn_close(m->conns);
    acceptor_destroy(m->acc);
    close(m->listen_fd); /* after acceptor_destroy(): the loop no longer watches it */
    buf_free(&m->body);
    free(m);
}

int mserver_port(const struct mserver *m)
{
    return net_local_port(acceptor_fd(m->acc));
}
