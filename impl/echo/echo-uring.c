/* echo-uring: TCP echo server on io_uring (through liburing).
 *
 * One thread submits operations and reaps their completions; it blocks only
 * in io_uring_submit_and_wait(). Every connection has one 16 KiB buffer and
 * exactly one operation in flight: a recv into the buffer, or a send of what
 * the last recv brought (re-submitted for the rest after a short send). It
 * receives again only once everything has been sent back, so a client that
 * does not read costs one buffer and simply stops being read: that is the
 * backpressure.
 *
 * The listener has one single-shot accept in flight, re-armed after each
 * completion; when accept fails for lack of fds or memory, a 100 ms io_uring
 * timeout is armed instead. SIGTERM and SIGINT arrive as a poll completion
 * on a signalfd. */

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "net.h"
#include "sig.h"

#define RING_ENTRIES 1024
#define BUF_SIZE (16 * 1024)
#define BACKOFF_MS 100
#define STOP_WAIT_MS 2000

/* user_data of the operations that do not belong to a connection (a
 * connection's operations carry its pointer, never one of these values). */
enum { UD_ACCEPT = 1, UD_SIGNAL, UD_BACKOFF, UD_CANCEL };

enum conn_op { OP_RECV, OP_SEND };

struct conn {
    int fd;
    enum conn_op op; /* the one operation in flight */
    size_t len;      /* bytes the last recv brought */
    size_t sent;     /* of which already sent back */
    struct conn *prev, *next;
    char buf[BUF_SIZE];
};

struct server {
    struct io_uring ring;
    bool ring_ready;
    int listen_fd;
    int sig_fd;
    bool stopping;
    bool accept_armed;
    bool backoff_armed;
    bool accept_troubled; /* in an episode of failing accepts */
    unsigned inflight;    /* submitted operations not yet completed */
    struct __kernel_timespec backoff_ts;
    struct conn *conns;
    size_t nconns;
};

/* Returns a free submission entry. When the queue is full, what is queued is
 * submitted to make room. Returns NULL if the kernel takes nothing (-EAGAIN:
 * out of memory, -EBUSY: completions must be reaped first); the caller then
 * gives up the operation. */
static struct io_uring_sqe *get_sqe(struct server *s)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
    int rc;

    while (sqe == NULL) {
        rc = io_uring_submit(&s->ring);
        if (rc == -EINTR)
            continue;
        if (rc <= 0) {
            log_warn("io_uring_submit: %s", rc < 0 ? strerror(-rc) : "nothing submitted");
            return NULL;
        }
        sqe = io_uring_get_sqe(&s->ring);
    }
    s->inflight++;
    return sqe;
}

static bool arm_tag(struct server *s, uint64_t tag)
{
    struct io_uring_sqe *sqe = get_sqe(s);

    if (sqe == NULL)
        return false;
    switch (tag) {
    case UD_ACCEPT:
        io_uring_prep_accept(sqe, s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        s->accept_armed = true;
        break;
    case UD_SIGNAL:
        io_uring_prep_poll_add(sqe, s->sig_fd, POLLIN);
        break;
    case UD_BACKOFF:
        io_uring_prep_timeout(sqe, &s->backoff_ts, 0, 0);
        s->backoff_armed = true;
        break;
    }
    io_uring_sqe_set_data64(sqe, tag);
    return true;
}

static void cancel_tag(struct server *s, uint64_t tag)
{
    struct io_uring_sqe *sqe = get_sqe(s);

    if (sqe == NULL)
        return;
    io_uring_prep_cancel64(sqe, tag, 0);
    io_uring_sqe_set_data64(sqe, UD_CANCEL);
}

static bool arm_recv(struct server *s, struct conn *c)
{
    struct io_uring_sqe *sqe = get_sqe(s);

    if (sqe == NULL)
        return false;
    io_uring_prep_recv(sqe, c->fd, c->buf, sizeof(c->buf), 0);
    io_uring_sqe_set_data(sqe, c);
    c->op = OP_RECV;
    return true;
}

static bool arm_send(struct server *s, struct conn *c)
{
    struct io_uring_sqe *sqe = get_sqe(s);

    if (sqe == NULL)
        return false;
    io_uring_prep_send(sqe, c->fd, c->buf + c->sent, c->len - c->sent, MSG_NOSIGNAL);
    io_uring_sqe_set_data(sqe, c);
    c->op = OP_SEND;
    return true;
}

/* Only called when c has no operation in flight, so nothing in the kernel
 * still points at its buffer. */
static void conn_close(struct server *s, struct conn *c)
{
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    free(c);
}

static int conn_open(struct server *s, int fd)
{
    struct conn *c = malloc(sizeof(*c));

    if (c == NULL)
        return -ENOMEM;
    c->fd = fd;
    /* Echo what arrived at once, even when it is less than a segment. */
    net_set_nodelay(fd, true);
    c->prev = NULL;
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    if (!arm_recv(s, c)) {
        conn_close(s, c);
        return -EAGAIN;
    }
    log_debug("fd %d: connected (%zu open)", fd, s->nconns);
    return 0;
}

/* Handles the completion of c's operation and submits the next one. */
static void on_conn(struct server *s, struct conn *c, int res)
{
    const char *what = c->op == OP_RECV ? "recv" : "send";
    bool again;

    if (res == -EINTR || res == -EAGAIN) {
        again = c->op == OP_RECV ? arm_recv(s, c) : arm_send(s, c);
    } else if (res < 0) {
        log_debug("fd %d: %s: %s, closing", c->fd, what, strerror(-res));
        again = false;
    } else if (c->op == OP_RECV && res == 0) {
        /* Half-close: a recv is only submitted once everything before it
         * has been sent back, so nothing is pending. */
        log_debug("fd %d: peer finished, closing", c->fd);
        again = false;
    } else if (s->stopping) {
        again = false;
    } else if (c->op == OP_RECV) {
        c->len = (size_t)res;
        c->sent = 0;
        again = arm_send(s, c);
    } else {
        c->sent += (size_t)res;
        again = c->sent < c->len ? arm_send(s, c) : arm_recv(s, c);
    }
    if (!again)
        conn_close(s, c);
}

/* Stops accepting for BACKOFF_MS (the main loop re-arms accept when the
 * timeout completes); existing connections are served meanwhile. */
static void pause_accept(struct server *s, int err)
{
    if (!s->accept_troubled) {
        log_msg(net_accept_classify(err) == NET_ACCEPT_FATAL ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN,
                "accept: %s; pausing accept for %d ms (logged once until accept succeeds)",
                strerror(err), BACKOFF_MS);
        s->accept_troubled = true;
    }
    arm_tag(s, UD_BACKOFF);
}

static void on_accept(struct server *s, int res)
{
    int rc;

    s->accept_armed = false;
    if (s->stopping) {
        if (res >= 0)
            close(res);
        return;
    }
    if (res < 0) {
        if (net_accept_classify(res) == NET_ACCEPT_TRANSIENT)
            log_debug("accept: %s (that connection is lost)", strerror(-res));
        else
            pause_accept(s, -res);
        return;
    }
    if (s->accept_troubled) {
        log_info("accept: working again");
        s->accept_troubled = false;
    }
    rc = conn_open(s, res);
    if (rc < 0) {
        if (rc == -ENOMEM)
            close(res);
        pause_accept(s, -rc);
    }
}

/* Stops accepting and shuts every connection down: its recv completes with
 * 0 (or its send with EPIPE), and the completion closes it. */
static void begin_stop(struct server *s, int signo)
{
    log_info("%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    s->stopping = true;
    if (s->accept_armed)
        cancel_tag(s, UD_ACCEPT);
    if (s->backoff_armed)
        cancel_tag(s, UD_BACKOFF);
    if (s->nconns > 0)
        log_info("closing %zu connections", s->nconns);
    for (struct conn *c = s->conns; c != NULL; c = c->next)
        shutdown(c->fd, SHUT_RDWR);
}

static void dispatch(struct server *s, uint64_t ud, int res)
{
    int signo;

    switch (ud) {
    case UD_ACCEPT:
        on_accept(s, res);
        break;
    case UD_BACKOFF:
        s->backoff_armed = false;
        break;
    case UD_SIGNAL:
        signo = res >= 0 ? sig_read_stopfd(s->sig_fd) : 0;
        if (signo > 0)
            begin_stop(s, signo);
        else if (!s->stopping)
            arm_tag(s, UD_SIGNAL);
        break;
    case UD_CANCEL:
        break;
    default:
        on_conn(s, (struct conn *)(uintptr_t)ud, res);
        break;
    }
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs until stopped and every operation has completed (or STOP_WAIT_MS
 * after the stop). Returns 0 or a negative errno. */
static int run(struct server *s)
{
    struct __kernel_timespec tick = {.tv_nsec = 100 * 1000000};
    struct io_uring_cqe *cqe;
    long long deadline = 0;
    int rc;

    if (!arm_tag(s, UD_SIGNAL))
        return -EAGAIN;
    while (!s->stopping || s->inflight > 0) {
        if (!s->stopping && !s->accept_armed && !s->backoff_armed)
            arm_tag(s, UD_ACCEPT);
        if (s->stopping) {
            if (deadline == 0)
                deadline = now_ms() + STOP_WAIT_MS;
            if (now_ms() > deadline) {
                log_warn("%u operations still pending after %d ms", s->inflight, STOP_WAIT_MS);
                return 0;
            }
            rc = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, &tick, NULL);
        } else {
            rc = io_uring_submit_and_wait(&s->ring, 1);
        }
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
            log_error("io_uring_submit_and_wait: %s", strerror(-rc));
            return rc;
        }
        /* Copy and release each completion before handling it: handlers
         * submit new operations, and the queue has room only for so much. */
        while (io_uring_peek_cqe(&s->ring, &cqe) == 0) {
            uint64_t ud = io_uring_cqe_get_data64(cqe);
            int res = cqe->res;

            io_uring_cqe_seen(&s->ring, cqe);
            s->inflight--;
            dispatch(s, ud, res);
        }
    }
    return 0;
}

static int server_start(struct server *s, const struct args_server *a)
{
    char addr[NET_ADDR_MAX];
    int rc;

    s->sig_fd = sig_open_stopfd();
    if (s->sig_fd < 0) {
        log_error("signalfd: %s", strerror(-s->sig_fd));
        return s->sig_fd;
    }
    /* The ring first: without io_uring the server must not even listen. */
    rc = io_uring_queue_init(RING_ENTRIES, &s->ring, 0);
    if (rc < 0) {
        log_error("io_uring_queue_init: %s (this kernel has no usable io_uring: "
                  "too old, or disabled by kernel.io_uring_disabled or a seccomp filter)",
                  strerror(-rc));
        return rc;
    }
    s->ring_ready = true;
    s->listen_fd = net_listen(a->host, a->port, SOMAXCONN, 0);
    if (s->listen_fd < 0) {
        log_error("cannot listen on %s:%u: %s", a->host, a->port, strerror(-s->listen_fd));
        return s->listen_fd;
    }
    rc = net_local_addr(s->listen_fd, addr, sizeof(addr));
    if (rc < 0) {
        log_error("getsockname: %s", strerror(-rc));
        return rc;
    }
    log_info("listening on %s", addr);
    return 0;
}

int main(int argc, char **argv)
{
    struct server s = {
        .listen_fd = -1,
        .sig_fd = -1,
        .backoff_ts = {.tv_nsec = BACKOFF_MS * 1000000LL},
    };
    struct args_server a;
    int rc;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, NULL, "echo-uring",
                         "TCP echo server: one thread, io_uring, one buffer per connection.");
    if (rc >= 0)
        return rc;

    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = server_start(&s, &a);
    if (rc == 0)
        rc = run(&s);

    /* Tearing the ring down cancels whatever is still in flight, so the
     * buffers can be freed after it. */
    if (s.ring_ready)
        io_uring_queue_exit(&s.ring);
    while (s.conns != NULL)
        conn_close(&s, s.conns);
    if (s.listen_fd >= 0)
        close(s.listen_fd);
    if (s.sig_fd >= 0)
        close(s.sig_fd);
    return rc < 0 ? 1 : 0;
}
