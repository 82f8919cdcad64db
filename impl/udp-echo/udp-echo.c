/* udp-echo: UDP echo server on a single-threaded, non-blocking epoll loop.
 *
 * Compare with ../echo/echo-epoll.c. There is no listening socket, no
 * accept() and no connection: one socket receives every client's datagrams,
 * and the client is an address that comes with each one. A receive returns
 * exactly one datagram (boundaries are kept, never merged or split), and the
 * echo is one send of the same bytes back to that address.
 *
 * Datagrams are moved in batches: recvmmsg() fills up to BATCH slots in one
 * system call and sendmmsg() sends the replies from the same slots, each
 * slot keeping the source address as the reply's destination.
 *
 * Backpressure is the kernel's: if the socket's send buffer is full
 * (EAGAIN), the unsent replies of the batch wait, reading stops, EPOLLOUT is
 * watched, and datagrams that keep arriving meanwhile queue in the receive
 * buffer or are dropped by the kernel when it is full. Dropping is what UDP
 * does under load; memory here stays at one batch.
 *
 * Nothing here blocks except epoll_wait() inside loop_run(). */

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "sig.h"

#define BATCH              16        /* datagrams per recvmmsg()/sendmmsg() */
#define BATCHES_PER_WAKEUP 16        /* then let the signalfd have a turn */
#define SLOT_BYTES         65536     /* the largest UDP payload (65527 over IPv6) fits */
#define SOCKBUF_BYTES      (4 << 20) /* room for bursts of 64 KiB datagrams */
#define PAUSE_MS           100
/* Room for one IP_PKTINFO or IPV6_PKTINFO control message. */
#define CTRL_BYTES CMSG_SPACE(sizeof(struct in6_pktinfo))

struct server {
    struct loop *loop;
    int fd;
    int sig_fd;
    uint32_t mask;            /* current epoll interest of fd */
    struct loop_timer *pause; /* resumes reading after a receive error */
    bool pktinfo;             /* bound to a wildcard address: see main() */
    bool troubled;            /* in an episode of errors: log once */
    unsigned sent, unsent;    /* the replies in slots [sent, unsent) wait */

    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage peer[BATCH];
    union {
        char buf[CTRL_BYTES];
        struct cmsghdr align;
    } ctrl[BATCH];
    char *data; /* BATCH slots of SLOT_BYTES */
};

/* Returns true when fd is bound to 0.0.0.0 or ::. */
static bool bound_to_wildcard(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return false;
    if (ss.ss_family == AF_INET)
        return ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    if (ss.ss_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
    return false;
}

/* Asks the kernel to report, with each datagram, the local address it was
 * sent to. Returns 0 or a negative errno. */
static int enable_pktinfo(int fd)
{
    int one = 1;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    if (ss.ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
        return -errno;
    if (ss.ss_family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
        return -errno;
    return 0;
}

/* Turns the control message received with a datagram into the one that
 * sends its reply from the address the client sent to. IPV6_PKTINFO can be
 * sent back as it came; IP_PKTINFO names the source in ipi_spec_dst and must
 * not force the interface. */
static void reply_from_same_address(struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            pi.ipi_ifindex = 0;
            pi.ipi_spec_dst = pi.ipi_addr;
            memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        }
    }
}

/* Prepares every slot to receive a datagram. */
static void slots_reset(struct server *s)
{
    for (unsigned i = 0; i < BATCH; i++) {
        struct msghdr *m = &s->msgs[i].msg_hdr;

        s->iov[i].iov_base = s->data + (size_t)i * SLOT_BYTES;
        s->iov[i].iov_len = SLOT_BYTES;
        m->msg_name = &s->peer[i];
        m->msg_namelen = sizeof(s->peer[i]);
        m->msg_iov = &s->iov[i];
        m->msg_iovlen = 1;
        m->msg_control = s->pktinfo ? s->ctrl[i].buf : NULL;
        m->msg_controllen = s->pktinfo ? sizeof(s->ctrl[i].buf) : 0;
        m->msg_flags = 0;
    }
}

/* True for errors that a UDP socket reports when an ICMP message came back
 * for an earlier datagram (a client that went away, a route that vanished):
 * news about someone else, not a reason to stop. */
static bool is_icmp_error(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENONET:
    case EPROTO:
    case EMSGSIZE:
    case ENOPROTOOPT:
        return true;
    default:
        return false;
    }
}

static void trouble(struct server *s, const char *what, int err)
{
    if (!s->troubled)
        log_warn("%s: %s (logged once until it works again)", what, strerror(err));
    else
        log_debug("%s: %s", what, strerror(err));
    s->troubled = true;
}

/* Receives up to BATCH datagrams and turns each slot into its reply: same
 * bytes, addressed to where it came from. Returns the number received (0 when
 * none is waiting), or a negative errno for a receive error that is not news
 * about an earlier datagram. */
static int receive_batch(struct server *s)
{
    int n;

    for (;;) {
        slots_reset(s);
        n = recvmmsg(s->fd, s->msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n >= 0)
            break;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno != EINTR && !is_icmp_error(errno))
            return -errno;
        /* An ICMP error is the socket's pending error, reported once and
         * cleared: the datagrams waiting behind it are read by trying
         * again. */
        log_debug("recvmmsg: %s (about an earlier reply)", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
        struct msghdr *m = &s->msgs[i].msg_hdr;

        /* A slot holds any UDP payload the kernel can deliver here, so this
         * is only a safeguard: a cut echo would be wrong, so the datagram
         * gets none. A slot with no address is skipped by send_pending(). */
        if (m->msg_flags & MSG_TRUNC) {
            log_warn("datagram larger than %d bytes: not echoed", SLOT_BYTES);
            s->iov[i].iov_len = 0;
            m->msg_namelen = 0;
            continue;
        }
        s->iov[i].iov_len = s->msgs[i].msg_len;
        if (s->pktinfo)
            reply_from_same_address(m);
    }
    s->sent = 0;
    s->unsent = (unsigned)n;
    return n;
}

/* Sends the waiting replies. Returns 0 once all are sent or dropped, or
 * -EAGAIN when the send buffer is full and the rest must wait. A reply the
 * kernel refuses for any other reason (ENOBUFS, an ICMP error, a client
 * address it cannot send to) is dropped: UDP promises no delivery, and
 * retrying could stall every other client. */
static int send_pending(struct server *s)
{
    while (s->sent < s->unsent) {
        unsigned end = s->sent;
        int n;

        /* Up to the next slot that receive_batch() marked as skipped. */
        while (end < s->unsent && s->msgs[end].msg_hdr.msg_namelen != 0)
            end++;
        if (end == s->sent) {
            s->sent++;
            continue;
        }
        n = sendmmsg(s->fd, &s->msgs[s->sent], end - s->sent, 0);
        if (n > 0) {
            s->sent += (unsigned)n;
            s->troubled = false;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -EAGAIN;
        /* sendmmsg() reports an error only for the first message it could
         * not send: that one is dropped and the next ones are tried. */
        trouble(s, "sendmmsg", n < 0 ? errno : EIO);
        s->sent++;
    }
    return 0;
}

static int set_mask(struct server *s, uint32_t mask)
{
    int rc;

    if (mask == s->mask)
        return 0;
    rc = loop_modify(s->loop, s->fd, mask);
    if (rc < 0) {
        log_error("epoll_ctl: %s", strerror(-rc));
        return rc;
    }
    s->mask = mask;
    return 0;
}

/* Stops reading for PAUSE_MS after a receive error that is not about one
 * datagram (ENOMEM, ENOBUFS, ...): trying again at once would spin. */
static void pause_reading(struct server *s, int err)
{
    int rc;

    trouble(s, "recvmmsg", err);
    if (set_mask(s, 0) < 0)
        return;
    rc = loop_timer_arm(s->pause, PAUSE_MS);
    if (rc < 0)
        log_error("cannot arm the pause timer: %s", strerror(-rc));
}

static void on_pause_over(struct loop *loop, void *ctx)
{
    (void)loop;
    set_mask(ctx, EPOLLIN);
}

static void on_socket(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct server *s = ctx;
    int n;

    (void)loop;
    (void)fd;
    (void)events;
    if (send_pending(s) == -EAGAIN) {
        set_mask(s, EPOLLOUT);
        return;
    }
    for (int b = 0; b < BATCHES_PER_WAKEUP; b++) {
        n = receive_batch(s);
        if (n < 0) {
            pause_reading(s, -n);
            return;
        }
        if (n == 0)
            break;
        if (send_pending(s) == -EAGAIN) {
            log_debug("send buffer full: waiting for EPOLLOUT");
            set_mask(s, EPOLLOUT);
            return;
        }
    }
    set_mask(s, EPOLLIN);
}

static int server_start(struct server *s, const struct args_server *a)
{
    int bufsize = SOCKBUF_BYTES;
    char addr[NET_ADDR_MAX];
    int rc;

    s->data = malloc((size_t)BATCH * SLOT_BYTES);
    if (s->data == NULL) {
        log_error("out of memory");
        return -ENOMEM;
    }
    s->fd = net_udp_bind(a->host, a->port, NET_NONBLOCK);
    if (s->fd < 0) {
        log_error("cannot bind UDP %s:%u: %s", a->host, a->port, strerror(-s->fd));
        return s->fd;
    }
    /* Best effort (capped by net.core.rmem_max and wmem_max): the default
     * ~200 KiB holds only a few datagrams of 64 KiB. */
    if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)) < 0 ||
        setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize)) < 0)
        log_debug("socket buffer sizes: %s", strerror(errno));
    /* Bound to every address, a reply must still leave from the address the
     * client sent to, or a client whose socket is connect()ed to that
     * address would not accept it. The kernel tells us that address with
     * each datagram when asked. */
    if (bound_to_wildcard(s->fd)) {
        rc = enable_pktinfo(s->fd);
        if (rc < 0) {
            log_error("cannot enable packet info: %s", strerror(-rc));
            return rc;
        }
        s->pktinfo = true;
    }
    s->mask = EPOLLIN;
    /* SIGTERM and SIGINT stop the loop; main() then frees everything. */
    rc = loop_create(&s->loop);
    if (rc == 0)
        rc = sig_watch_stop(s->loop, &s->sig_fd);
    if (rc == 0)
        rc = loop_timer_create(s->loop, on_pause_over, s, &s->pause);
    if (rc == 0)
        rc = loop_add(s->loop, s->fd, s->mask, on_socket, s);
    if (rc == 0)
        rc = net_local_addr(s->fd, addr, sizeof(addr));
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        return rc;
    }
    log_info("listening on UDP %s", addr);
    return 0;
}

static void server_free(struct server *s)
{
    loop_timer_destroy(s->pause);
    loop_destroy(s->loop);
    if (s->fd >= 0)
        close(s->fd);
    if (s->sig_fd >= 0)
        close(s->sig_fd);
    free(s->data);
}

int main(int argc, char **argv)
{
    struct server *s;
    struct args_server a;
    int rc;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, NULL, "udp-echo",
                         "UDP echo server: each datagram goes back, whole, to its sender.");
    if (rc >= 0)
        return rc;
    /* The slot tables take a few KiB: keep them off the stack. */
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        log_error("out of memory");
        return 1;
    }
    s->fd = -1;
    s->sig_fd = -1;
    rc = server_start(s, &a);
    if (rc == 0) {
        rc = loop_run(s->loop);
        if (rc < 0)
            log_error("epoll_wait: %s", strerror(-rc));
    }
    server_free(s);
    free(s);
    return rc < 0 ? 1 : 0;
}
