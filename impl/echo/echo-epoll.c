/* echo-epoll: TCP echo server on a single-threaded, non-blocking epoll loop.
 *
 * Each connection owns one bounded output buffer. The server recv()s straight
 * into its tail and send()s from its head; what the kernel does not take
 * stays there and EPOLLOUT is watched until it drains. When a connection's
 * pending bytes reach the high-water mark the server stops reading from it
 * (drops EPOLLIN) and resumes at the low-water mark (half of it), so a client
 * that sends but never reads costs at most high-water bytes and never stalls
 * anyone else: TCP flow control pushes back on that client alone.
 *
 * Nothing here blocks except epoll_wait() inside loop_run(). */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acceptor.h"
#include "args.h"
#include "buf.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "sig.h"

#define READ_CHUNK (64 * 1024)
#define DEFAULT_HIGH_WATER (256 * 1024)

struct server;

struct conn {
    struct server *srv;
    int fd;
    struct buf out; /* received and not yet echoed */
    uint32_t mask;  /* current epoll interest */
    bool eof;       /* the peer half-closed: close once out drains */
    struct conn *prev, *next;
};

struct server {
    struct loop *loop;
    int sig_fd;
    struct acceptor *acceptor; /* hands new connections to conn_open() */
    size_t high_water, low_water;
    unsigned backlog;   /* --backlog: the listen backlog */
    struct conn *conns; /* every open connection, for the final close */
    size_t nconns;
};

static void conn_close(struct conn *c)
{
    struct server *s = c->srv;

    loop_remove(s->loop, c->fd);
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    buf_free(&c->out);
    free(c);
}

/* Reads once into the output buffer. Level-triggered epoll calls again if
 * more is waiting, so one fast client cannot monopolize the loop. Returns 0
 * or a negative errno that ends the connection. */
static int conn_read(struct conn *c)
{
    size_t room = c->srv->high_water - buf_len(&c->out);
    size_t avail;
    char *tail;
    ssize_t n;
    int rc;

    if (room == 0)
        return 0;
    rc = buf_reserve(&c->out, room < READ_CHUNK ? room : READ_CHUNK, &tail, &avail);
    if (rc < 0)
        return rc;
    n = recv(c->fd, tail, avail, 0);
    if (n > 0) {
        buf_commit(&c->out, (size_t)n);
        return 0;
    }
    if (n == 0) {
        c->eof = true;
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -errno;
}

/* Sends as much pending output as the kernel takes. Returns 0 or a negative
 * errno (EPIPE, ECONNRESET, ...) that ends the connection. */
static int conn_flush(struct conn *c)
{
    while (buf_len(&c->out) > 0) {
        ssize_t n = send(c->fd, buf_peek(&c->out), buf_len(&c->out), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -errno;
        }
        buf_consume(&c->out, (size_t)n);
    }
    /* An idle connection holds no buffer memory, which is what lets 10,000
     * idle clients cost little more than their sockets. */
    if (buf_len(&c->out) == 0)
        buf_free(&c->out);
    return 0;
}

/* Works out the interest mask from the connection's state: read unless the
 * peer is done or too much is pending (with hysteresis between the low and
 * high marks), write while anything is pending. */
static int conn_update(struct conn *c)
{
    const struct server *s = c->srv;
    size_t pending = buf_len(&c->out);
    bool reading = (c->mask & EPOLLIN) != 0;
    uint32_t mask = 0;
    int rc;

    if (reading && pending >= s->high_water)
        reading = false;
    else if (!reading && pending <= s->low_water)
        reading = true;
    if (reading && !c->eof)
        mask |= EPOLLIN;
    if (pending > 0)
        mask |= EPOLLOUT;
    if (mask == c->mask)
        return 0;
    rc = loop_modify(s->loop, c->fd, mask);
    if (rc < 0)
        return rc;
    if ((mask ^ c->mask) & EPOLLIN)
        log_debug("fd %d: %s reading, %zu bytes pending", c->fd,
                  (mask & EPOLLIN) ? "resume" : "pause", pending);
    c->mask = mask;
    return 0;
}

static void on_conn(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct conn *c = ctx;
    int rc = 0;

    (void)loop;
    /* EPOLLHUP and EPOLLERR are reported whatever the mask; the recv() or
     * send() that follows returns the actual error. */
    if ((c->mask & EPOLLIN) && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        rc = conn_read(c);
    if (rc == 0)
        rc = conn_flush(c);
    if (rc == 0 && c->eof && buf_len(&c->out) == 0) {
        log_debug("fd %d: peer finished, everything echoed, closing", fd);
        conn_close(c);
        return;
    }
    if (rc == 0)
        rc = conn_update(c);
    if (rc < 0) {
        log_debug("fd %d: %s, closing", fd, strerror(-rc));
        conn_close(c);
    }
}

/* Starts serving a connection the acceptor took (see acceptor.h: at most 64
 * per wakeup, accept paused for 100 ms when out of descriptors or memory).
 * Returns 0, or a negative errno when it cannot be served: the acceptor then
 * closes it and pauses accepting. */
static int conn_open(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct server *s = ctx;
    struct conn *c = calloc(1, sizeof(*c));
    int rc;

    (void)peer; /* this server does not log or check addresses */
    (void)peer_len;
    if (c == NULL)
        return -ENOMEM;
    /* Echo what arrived at once, even when it is less than a segment. */
    net_set_nodelay(fd, true);
    c->srv = s;
    c->fd = fd;
    c->mask = EPOLLIN;
    buf_init(&c->out, s->high_water);
    rc = loop_add(s->loop, fd, c->mask, on_conn, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    log_debug("fd %d: connected (%zu open)", fd, s->nconns);
    return 0;
}

/* Opens the loop, the SIGTERM/SIGINT watch that stops it and the listener.
 * Returns 0 or a negative errno, logged. */
static int server_start(struct server *s, const struct args_server *a)
{
    int rc = loop_create(&s->loop);

    if (rc == 0)
        rc = sig_watch_stop(s->loop, &s->sig_fd);
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        return rc;
    }
    return acceptor_listen_backlog(s->loop, a->host, a->port, (int)s->backlog, conn_open, s,
                                   &s->acceptor);
}

/* Closes every connection as it stands (pending output is dropped: the
 * server is going away) and frees everything. */
static void server_free(struct server *s)
{
    if (s->nconns > 0)
        log_info("closing %zu connections", s->nconns);
    while (s->conns != NULL)
        conn_close(s->conns);
    acceptor_destroy(s->acceptor);
    loop_destroy(s->loop);
    if (s->sig_fd >= 0)
        close(s->sig_fd);
}

int main(int argc, char **argv)
{
    struct server s = {.sig_fd = -1, .high_water = DEFAULT_HIGH_WATER, .backlog = SOMAXCONN};
    const struct args_opt extra[] = {
        {"high-water", ARGS_SIZE, &s.high_water, 1, 1ULL << 30, "BYTES",
         "stop reading a client with BYTES unsent (default 256k; resume at half)"},
        {"backlog", ARGS_UINT, &s.backlog, 1, 65535, "N",
         "listen backlog: connections the kernel queues before accept (default 4096, "
         "capped by net.core.somaxconn; bench/exp_tuning.py varies it)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct args_server a;
    int rc;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, extra, "echo-epoll",
                         "TCP echo server: one thread, non-blocking sockets, epoll.");
    if (rc >= 0)
        return rc;
    s.low_water = s.high_water / 2;

    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = server_start(&s, &a);
    if (rc == 0) {
        rc = loop_run(s.loop);
        if (rc < 0)
            log_error("epoll_wait: %s", strerror(-rc));
    }
    server_free(&s);
    return rc < 0 ? 1 : 0;
}
