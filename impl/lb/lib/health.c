#include "health.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

/* A check reads at most this much before deciding: a status line is 13
 * bytes up to the code, so anything bigger only tolerates nothing. */
#define HEAD_PEEK 64
/* Reads spent draining the rest of a response before closing (see
 * probe_finish()). */
#define DRAIN_READS 4

enum probe_state {
    PROBE_IDLE,       /* no check in flight; the timer starts the next one */
    PROBE_CONNECTING, /* connect() in progress: waiting for writability */
    PROBE_SENDING,    /* connected, request partly sent */
    PROBE_READING,    /* request sent, waiting for the status line */
};

/* The check of one backend. */
struct probe {
    struct health *h;
    unsigned i;
    enum probe_state state;
    int fd;
    struct loop_timer *timer; /* next check, and the deadline of this one */
    char *req;                /* the request, built once */
    size_t req_len, sent;
    char in[HEAD_PEEK];
    size_t in_len;
};

struct health {
    struct loop *loop;
    const struct health_target *targets;
    unsigned n;
    unsigned interval_ms;
    health_result_cb *cb;
    void *ctx;
    struct probe probes[];
};

int health_parse_status(const char *p, size_t n)
{
    static const char proto[] = "HTTP/";
    size_t k;

    /* "HTTP/" DIGIT "." DIGIT SP 3DIGIT, then SP before the reason phrase
     * (RFC 9112 §4); a bare line end is tolerated. */
    for (k = 0; k < n && k < 5; k++)
        if (p[k] != proto[k])
            return -1;
    if (n < 13)
        return n > 5 && !(p[5] >= '0' && p[5] <= '9') ? -1 : -2;
    if (!(p[5] >= '0' && p[5] <= '9') || p[6] != '.' || !(p[7] >= '0' && p[7] <= '9') ||
        p[8] != ' ')
        return -1;
    for (k = 9; k < 12; k++)
        if (!(p[k] >= '0' && p[k] <= '9'))
            return -1;
    if (p[12] != ' ' && p[12] != '\r' && p[12] != '\n')
        return -1;
    if (p[9] == '0')
        return -1;
    return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

/* Ends the check in flight (if any) and reports its result. Before
 * closing, whatever the backend already sent is read: closing a socket
 * with unread bytes sends an RST instead of a FIN, which would show up in
 * the backend's logs as a reset for every check. */
static void probe_finish(struct probe *p, bool pass, const char *why)
{
    struct health *h = p->h;
    char sink[4096];

    if (p->state == PROBE_IDLE)
        return;
    if (p->state == PROBE_READING)
        for (int k = 0; k < DRAIN_READS && recv(p->fd, sink, sizeof(sink), 0) > 0; k++)
            ;
    loop_remove(h->loop, p->fd);
    close(p->fd);
    p->fd = -1;
    p->state = PROBE_IDLE;
    log_debug("health %s: %s (%s)", h->targets[p->i].name, pass ? "pass" : "fail", why);
    h->cb(h->ctx, p->i, pass, why);
}

static void probe_fail_errno(struct probe *p, const char *what, int err)
{
    char why[128];

    snprintf(why, sizeof(why), "%s: %s", what, strerror(err));
    probe_finish(p, false, why);
}

/* Sends what is left of the request; once it is all out, waits for the
 * answer. */
static void probe_send(struct probe *p)
{
    while (p->sent < p->req_len) {
        ssize_t k = send(p->fd, p->req + p->sent, p->req_len - p->sent, MSG_NOSIGNAL);

        if (k < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return; /* EPOLLOUT again */
            if (errno == EINTR)
                continue;
            probe_fail_errno(p, "send", errno);
            return;
        }
        p->sent += (size_t)k;
    }
    p->state = PROBE_READING;
    loop_modify(p->h->loop, p->fd, EPOLLIN);
}

static void probe_read(struct probe *p)
{
    char why[64];
    ssize_t k;
    int status;

    k = recv(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len, 0);
    if (k < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            probe_fail_errno(p, "recv", errno);
        return;
    }
    if (k == 0) {
        probe_finish(p, false, "closed before a status line");
        return;
    }
    p->in_len += (size_t)k;
    status = health_parse_status(p->in, p->in_len);
    if (status == -2)
        return; /* 13 bytes always fit in in[]: the line decides first */
    if (status < 0) {
        probe_finish(p, false, "not an HTTP status line");
        return;
    }
    snprintf(why, sizeof(why), "status %d", status);
    probe_finish(p, status >= 200 && status < 400, why);
}

static void probe_io(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct probe *p = ctx;
    int rc;

    (void)loop;
    (void)fd;
    if (p->state == PROBE_CONNECTING) {
        rc = net_socket_error(p->fd);
        if (rc < 0) {
            probe_fail_errno(p, "connect", -rc);
            return;
        }
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
            return;
        p->state = PROBE_SENDING;
    }
    if (p->state == PROBE_SENDING)
        probe_send(p);
    else if (p->state == PROBE_READING)
        probe_read(p);
}

/* Starts one check: a non-blocking connect, then the request. */
static void probe_start(struct probe *p)
{
    const struct health_target *t = &p->h->targets[p->i];
    int rc;

    p->fd = socket(t->addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        /* Out of descriptors is our problem, not the backend's: reporting
         * a failure would take a healthy backend down. Try next time. */
        log_warn("health %s: socket: %s", t->name, strerror(errno));
        return;
    }
    p->sent = 0;
    p->in_len = 0;
    p->state = PROBE_CONNECTING;
    rc = loop_add(p->h->loop, p->fd, EPOLLOUT, probe_io, p);
    if (rc < 0) {
        log_warn("health %s: cannot watch the socket: %s", t->name, strerror(-rc));
        close(p->fd);
        p->fd = -1;
        p->state = PROBE_IDLE;
        return;
    }
    if (connect(p->fd, t->addr, t->addr_len) < 0 && errno != EINPROGRESS)
        probe_fail_errno(p, "connect", errno);
    /* Otherwise writability says the connection is made (or failed). */
}

/* The per-backend timer: the deadline of the check in flight, if any, and
 * the start of the next one. */
static void probe_timer(struct loop *loop, void *ctx)
{
    struct probe *p = ctx;

    (void)loop;
    probe_finish(p, false, "timed out");
    loop_timer_arm(p->timer, p->h->interval_ms);
    probe_start(p);
}

int health_start(struct loop *loop, const struct health_target *targets, unsigned n,
                 const char *path, unsigned interval_ms, health_result_cb *cb, void *ctx,
                 struct health **out)
{
    struct health *h;
    int rc = 0;

    if (n == 0 || path == NULL || interval_ms == 0 || cb == NULL)
        return -EINVAL;
    h = calloc(1, sizeof(*h) + n * sizeof(h->probes[0]));
    if (h == NULL)
        return -ENOMEM;
    h->loop = loop;
    h->targets = targets;
    h->n = n;
    h->interval_ms = interval_ms;
    h->cb = cb;
    h->ctx = ctx;
    for (unsigned i = 0; i < n; i++) {
        struct probe *p = &h->probes[i];
        int len;

        p->h = h;
        p->i = i;
        p->fd = -1;
        len = asprintf(&p->req,
                       "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                       "User-Agent: osnet-lb\r\n\r\n",
                       path, targets[i].name);
        if (len < 0) {
            p->req = NULL;
            rc = -ENOMEM;
            goto fail;
        }
        p->req_len = (size_t)len;
        rc = loop_timer_create(loop, probe_timer, p, &p->timer);
        if (rc == 0)
            rc = loop_timer_arm(p->timer, 0);
        if (rc < 0)
            goto fail;
    }
    *out = h;
    return 0;
fail:
    health_destroy(h);
    return rc;
}

void health_destroy(struct health *h)
{
    if (h == NULL)
        return;
    for (unsigned i = 0; i < h->n; i++) {
        struct probe *p = &h->probes[i];

        if (p->fd >= 0) {
            loop_remove(h->loop, p->fd);
            close(p->fd);
        }
        loop_timer_destroy(p->timer);
        free(p->req);
    }
    free(h);
}
