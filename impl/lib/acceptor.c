#include "acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

struct acceptor {
    struct loop *loop;
    int fd;
    acceptor_cb *cb;
    void *ctx;
    struct loop_timer *backoff; /* re-enables accept after a pause */
    bool troubled;              /* in an episode of failing accepts */
    bool owns_fd;               /* opened by acceptor_listen(): closed by destroy */
};

static void on_listen(struct loop *loop, int fd, uint32_t events, void *ctx);

/* Stops watching the listener for ACCEPTOR_BACKOFF_MS; err (positive) is
 * the cause, logged once per episode. */
static void acceptor_pause(struct acceptor *a, int err)
{
    int rc;

    if (!a->troubled) {
        log_msg(net_accept_classify(err) == NET_ACCEPT_RESOURCES ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR,
                "accept: %s; pausing accept for %d ms (logged once until accept succeeds)",
                strerror(err), ACCEPTOR_BACKOFF_MS);
        a->troubled = true;
    }
    loop_remove(a->loop, a->fd);
    rc = loop_timer_arm(a->backoff, ACCEPTOR_BACKOFF_MS);
    if (rc < 0)
        log_error("cannot arm the accept backoff timer: %s", strerror(-rc));
}

/* The pause is over: watch the listener again (or pause again). */
static void on_backoff_over(struct loop *loop, void *ctx)
{
    struct acceptor *a = ctx;
    int rc = loop_add(loop, a->fd, EPOLLIN, on_listen, a);

    if (rc < 0)
        acceptor_pause(a, -rc);
}

static void on_listen(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct acceptor *a = ctx;
    int cfd, rc;

    (void)loop;
    (void)events;
    for (int n = 0; n < ACCEPTOR_PER_WAKEUP; n++) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof(peer);

        cfd = accept4(fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (net_accept_classify(errno) == NET_ACCEPT_TRANSIENT) {
                log_debug("accept: %s (that connection is lost)", strerror(errno));
                continue;
            }
            acceptor_pause(a, errno);
            return;
        }
        if (a->troubled) {
            log_info("accept: working again");
            a->troubled = false;
        }
        rc = a->cb(cfd, (const struct sockaddr *)&peer, peer_len, a->ctx);
        if (rc < 0) {
            close(cfd);
            acceptor_pause(a, -rc);
            return;
        }
    }
}

int acceptor_adopt(struct loop *loop, int listen_fd, acceptor_cb *cb, void *ctx,
                   struct acceptor **out)
{
    struct acceptor *a;
    int listening = 0;
    socklen_t len = sizeof(listening);
    int flags, rc;

    /* A blocking listener would stall the whole loop in accept() once the
     * queue is empty, and a socket that is not listening never wakes it:
     * both are the caller's bug, better reported now than found later. */
    flags = fcntl(listen_fd, F_GETFL);
    if (flags < 0)
        return -errno;
    if (getsockopt(listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
        return -errno;
    if (!(flags & O_NONBLOCK) || !listening)
        return -EINVAL;

    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return -ENOMEM;
    a->loop = loop;
    a->fd = listen_fd;
    a->cb = cb;
    a->ctx = ctx;
    rc = loop_timer_create(loop, on_backoff_over, a, &a->backoff);
    if (rc == 0)
        rc = loop_add(loop, listen_fd, EPOLLIN, on_listen, a);
    if (rc < 0) {
        /* Not acceptor_destroy(): its loop_remove() would take away a
         * watch someone else has on listen_fd (loop_add's -EEXIST). */
        loop_timer_destroy(a->backoff);
        free(a);
        return rc;
    }
    *out = a;
    return 0;
}

int acceptor_listen(struct loop *loop, const char *host, unsigned port, acceptor_cb *cb, void *ctx,
                    struct acceptor **out)
{
    return acceptor_listen_backlog(loop, host, port, SOMAXCONN, cb, ctx, out);
}

int acceptor_listen_backlog(struct loop *loop, const char *host, unsigned port, int backlog,
                            acceptor_cb *cb, void *ctx, struct acceptor **out)
{
    struct acceptor *a;
    char addr[NET_ADDR_MAX];
    int fd, rc;

    fd = net_listen(host, port, backlog, NET_NONBLOCK);
    if (fd < 0) {
        rc = fd;
        goto fail;
    }
    rc = net_local_addr(fd, addr, sizeof(addr));
    if (rc == 0)
        rc = acceptor_adopt(loop, fd, cb, ctx, &a);
    if (rc < 0) {
        close(fd);
        goto fail;
    }
    a->owns_fd = true; /* it opened the socket, so it closes it */
    log_info("listening on %s", addr);
    *out = a;
    return 0;
fail:
    log_error("cannot listen on %s:%u: %s", host != NULL ? host : "*", port, strerror(-rc));
    return rc;
}

int acceptor_fd(const struct acceptor *a)
{
    return a->fd;
}

void acceptor_destroy(struct acceptor *a)
{
    if (a == NULL)
        return;
    loop_remove(a->loop, a->fd); /* -ENOENT while paused */
    if (a->owns_fd)
        close(a->fd);
    loop_timer_destroy(a->backoff);
    free(a);
}
