/* guess: the number-guessing game over UDP (specs/guess.md).
 *
 * One non-blocking UDP socket serves every client. Each datagram is a whole
 * request; the session table (lib/session.c) finds the game of the address
 * and port it came from and produces the reply, which goes back with one
 * sendto() to that same address. There is no per-client socket, buffer or
 * connection: what a client costs is one small session record.
 *
 * Replies are never queued. If the kernel refuses one (the socket buffer is
 * full, ENOBUFS, an ICMP error from an earlier send), it is dropped: the
 * client will time out and send the same request again, and the session
 * answers that retransmission with the stored reply, byte for byte, without
 * counting it. That idempotency is what makes a lossy server correct.
 *
 * A timer sweeps idle sessions out of memory; a client that comes back after
 * more than --idle seconds finds its session gone even if the sweep has not
 * run yet (the table checks on lookup). */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "session.h"
#include "sig.h"

#define DATAGRAMS_PER_WAKEUP 256       /* lets SIGTERM and the sweep in between */
#define RCVBUF_BYTES         (1 << 20) /* absorbs bursts from many clients */
#define DATAGRAM_MAX         65536     /* any UDP payload fits: see on_datagrams() */

struct server {
    struct loop *loop;
    int fd;
    int sig_fd;
    struct loop_timer *sweep; /* armed while any session exists */
    struct session_table *table;
    uint64_t idle_ms;
    bool recv_troubled, send_troubled; /* in an episode of errors: log once */
    char buf[DATAGRAM_MAX];
};

/* Arms the sweep for when the oldest session expires, plus an eighth of
 * --idle so that sessions expiring close together go in one sweep. So a
 * forgotten session's memory is freed within 1.125 x --idle, well inside the
 * spec's 2 x. Does nothing when the table is empty or the timer is armed. */
static void arm_sweep(struct server *s)
{
    uint64_t ms;
    int rc;

    if (loop_timer_armed(s->sweep))
        return;
    ms = session_next_expiry(s->table);
    if (ms == 0)
        return;
    ms += s->idle_ms / 8;
    rc = loop_timer_arm(s->sweep, (unsigned)ms);
    if (rc < 0)
        log_error("cannot arm the idle sweep: %s", strerror(-rc));
}

static void on_sweep(struct loop *loop, void *ctx)
{
    struct server *s = ctx;
    size_t n = session_expire(s->table);
    struct session_stats st;

    (void)loop;
    session_get_stats(s->table, &st);
    if (n > 0)
        log_debug("forgot %zu idle sessions (%zu left)", n, st.sessions);
    arm_sweep(s);
}

/* Logs the first error of an episode (later ones at debug level) so that a
 * flood of failing datagrams cannot flood stderr. */
static void log_episode(bool *troubled, const char *what, int err)
{
    if (!*troubled)
        log_warn("%s: %s (logged once until it works again)", what, strerror(err));
    else
        log_debug("%s: %s", what, strerror(err));
    *troubled = true;
}

/* Sends one reply. Any failure drops it: the client retransmits. */
static void send_reply(struct server *s, const char *reply, size_t len, const struct sockaddr *to,
                       socklen_t tolen)
{
    ssize_t n;

    do {
        n = sendto(s->fd, reply, len, 0, to, tolen);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        /* Out of buffer space is worth a warning; anything else (an ICMP
         * error about an earlier reply, an address that cannot be reached)
         * concerns one client. */
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == ENOMEM)
            log_episode(&s->send_troubled, "sendto", errno);
        else
            log_debug("sendto: %s (reply dropped)", strerror(errno));
        return;
    }
    if (s->send_troubled) {
        log_info("sendto: working again");
        s->send_troubled = false;
    }
}

/* Answers the datagrams waiting on the socket, at most DATAGRAMS_PER_WAKEUP
 * of them; the socket is level-triggered, so the rest come next iteration. */
static void on_datagrams(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct server *s = ctx;
    char reply[GUESS_REPLY_MAX];

    (void)loop;
    (void)events;
    for (int i = 0; i < DATAGRAMS_PER_WAKEUP; i++) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        ssize_t n;
        int len;

        /* The buffer holds the largest UDP payload there is, so no request
         * is ever cut short and judged on its first bytes only. */
        n = recvfrom(fd, s->buf, sizeof(s->buf), 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            /* ENOMEM, ENOBUFS: try again on the next wakeup. Anything else
             * (ECONNREFUSED and friends) is the socket's pending ICMP error
             * about an earlier reply, whose client has gone: reported once,
             * and the datagrams behind it can be read at once. */
            if (errno == ENOMEM || errno == ENOBUFS) {
                log_episode(&s->recv_troubled, "recvfrom", errno);
                break;
            }
            log_debug("recvfrom: %s (about an earlier reply)", strerror(errno));
            continue;
        }
        s->recv_troubled = false;
        len = session_answer(s->table, (struct sockaddr *)&from, fromlen, s->buf, (size_t)n, reply,
                             sizeof(reply));
        if (len < 0) {
            log_warn("cannot answer a datagram: %s", strerror(-len));
            continue;
        }
        send_reply(s, reply, (size_t)len, (struct sockaddr *)&from, fromlen);
    }
    arm_sweep(s);
}

static int server_start(struct server *s, const struct args_server *a,
                        const struct session_config *cfg)
{
    int rcvbuf = RCVBUF_BYTES;
    char addr[NET_ADDR_MAX];
    int rc;

    rc = session_table_create(cfg, &s->table);
    if (rc < 0) {
        log_error("cannot create the session table: %s", strerror(-rc));
        return rc;
    }
    s->fd = net_udp_bind(a->host, a->port, NET_NONBLOCK);
    if (s->fd < 0) {
        log_error("cannot bind UDP %s:%u: %s", a->host, a->port, strerror(-s->fd));
        return s->fd;
    }
    /* Best effort: the kernel caps it at net.core.rmem_max. */
    if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
        log_debug("SO_RCVBUF: %s", strerror(errno));
    /* SIGTERM and SIGINT stop the loop; main() then frees everything. */
    rc = loop_create(&s->loop);
    if (rc == 0)
        rc = sig_watch_stop(s->loop, &s->sig_fd);
    if (rc == 0)
        rc = loop_timer_create(s->loop, on_sweep, s, &s->sweep);
    if (rc == 0)
        rc = loop_add(s->loop, s->fd, EPOLLIN, on_datagrams, s);
    if (rc == 0)
        rc = net_local_addr(s->fd, addr, sizeof(addr));
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        return rc;
    }
    log_info("listening on UDP %s (secrets 1..%u, idle %llu s, at most %zu sessions)", addr,
             cfg->max, (unsigned long long)(cfg->idle_ms / 1000), cfg->max_sessions);
    return 0;
}

static void server_free(struct server *s)
{
    struct session_stats st;

    if (s->table != NULL) {
        session_get_stats(s->table, &st);
        log_info("%llu games, %llu sessions created, %llu expired, %llu evicted, %zu live",
                 (unsigned long long)st.games, (unsigned long long)st.created,
                 (unsigned long long)st.expired, (unsigned long long)st.evicted, st.sessions);
    }
    loop_timer_destroy(s->sweep);
    loop_destroy(s->loop);
    session_table_destroy(s->table);
    if (s->fd >= 0)
        close(s->fd);
    if (s->sig_fd >= 0)
        close(s->sig_fd);
}

int main(int argc, char **argv)
{
    unsigned max = 100, idle = 60, max_sessions = 65536;
    const struct args_opt extra[] = {
        {"max", ARGS_UINT, &max, 2, 1000000, "N", "the secret is from 1 to N (default 100)"},
        {"idle", ARGS_UINT, &idle, 1, 7 * 86400, "SECONDS",
         "forget a session idle this long (default 60)"},
        {"max-sessions", ARGS_UINT, &max_sessions, 1, 1 << 20, "N",
         "keep at most N sessions, dropping the least recently used (default 65536)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct session_config cfg = {0};
    struct server *s;
    struct args_server a;
    int rc;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, extra, "guess",
                         "Number-guessing game over UDP: GUESS <seq> <n> -> "
                         "HIGHER/LOWER/CORRECT <seq> <tries>.");
    if (rc >= 0)
        return rc;
    cfg.max = max;
    cfg.idle_ms = (uint64_t)idle * 1000;
    cfg.max_sessions = max_sessions;

    /* The server struct holds a 64 KiB receive buffer: keep it off the
     * stack. */
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        log_error("out of memory");
        return 1;
    }
    s->fd = -1;
    s->sig_fd = -1;
    s->idle_ms = cfg.idle_ms;
    rc = server_start(s, &a, &cfg);
    if (rc == 0) {
        rc = loop_run(s->loop);
        if (rc < 0)
            log_error("epoll_wait: %s", strerror(-rc));
    }
    server_free(s);
    free(s);
    return rc < 0 ? 1 : 0;
}
