/* guess-client: plays one game of guess (specs/guess.md) by binary search.
 *
 * UDP delivers nothing for sure, so every guess is a small exchange with a
 * timeout: send "GUESS <seq> <n>", wait for the reply that carries that seq,
 * and if none comes, send the very same datagram again with the timeout
 * doubled (capped at 3.2 s), up to --retries times. Replies with another
 * seq are late or duplicated answers to earlier guesses and are ignored.
 * Resending the same seq is safe because the server answers a repeated seq
 * with its stored reply and does not count it: the try count the server
 * reports at the end equals the number of distinct guesses made here, however
 * many datagrams were lost or duplicated on the way.
 *
 * On success it prints one line to stdout:
 *
 *     CORRECT <n> <tries> <guesses> <sent>
 *
 * the secret, the server's try count, the distinct guesses made, and the
 * datagrams sent (retransmissions included). Exit status 0 on success, 1
 * when the server stops answering or answers nonsense, 2 on bad usage. */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "proto.h"
#include "net.h"

#define BACKOFF_CAP_MS  3200
#define STALE_JUMP      65536 /* see exchange() */
#define MAX_STALE_JUMPS 16
#define REPLY_BUF       512 /* replies are at most GUESS_REPLY_MAX; more is junk */

struct opts {
    const char *host;
    unsigned port;
    unsigned max;
    unsigned timeout_ms;
    unsigned retries;
    bool help;
};

struct game {
    int fd;
    const struct opts *o;
    uint32_t seq;     /* of the guess being made */
    unsigned guesses; /* distinct guesses */
    unsigned sent;    /* datagrams sent */
    int last_err;     /* last socket error seen, for the give-up message */
    unsigned stale_jumps;
};

enum outcome {
    OUT_REPLY, /* *rep holds the reply to the current seq */
    OUT_STALE, /* the server holds a newer seq for this address */
    OUT_GAVE_UP,
    OUT_FAILED,
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends the request once. A failure is treated like a lost datagram (the
 * timeout and retransmission cover it), except that ECONNREFUSED, which
 * reports an ICMP error about an earlier datagram, gets one immediate retry.
 * Returns nothing: the caller waits for the reply either way. */
static void send_request(struct game *g, const char *req, size_t len)
{
    bool retried = false;

    for (;;) {
        if (send(g->fd, req, len, 0) >= 0) {
            g->sent++;
            return;
        }
        if (errno == EINTR)
            continue;
        g->last_err = errno;
        log_debug("send: %s", strerror(errno));
        if (errno != ECONNREFUSED || retried)
            return;
        retried = true;
    }
}

/* Waits until deadline (ms, monotonic) for the reply to g->seq. Returns
 * OUT_REPLY with *rep filled in, OUT_STALE, OUT_GAVE_UP on timeout, or
 * OUT_FAILED (logged) on an error reply or a socket failure. */
static enum outcome await_reply(struct game *g, uint64_t deadline, struct guess_reply *rep)
{
    char buf[REPLY_BUF];

    for (;;) {
        struct pollfd pfd = {.fd = g->fd, .events = POLLIN};
        uint64_t t = now_ms();
        ssize_t n;
        int rc;

        if (t >= deadline)
            return OUT_GAVE_UP;
        rc = poll(&pfd, 1, (int)(deadline - t));
        if (rc < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            return OUT_FAILED;
        }
        if (rc <= 0)
            continue;
        n = recv(g->fd, buf, sizeof(buf), 0);
        if (n < 0) {
            /* ECONNREFUSED: nobody listens on the server's port (yet, or
             * any more); keep waiting, the retransmission will tell. */
            if (errno != EINTR && errno != EAGAIN)
                g->last_err = errno;
            log_debug("recv: %s", strerror(errno));
            continue;
        }
        if (guess_parse_reply(buf, (size_t)n, rep) < 0) {
            log_warn("ignoring a datagram that is not a reply (%zd bytes)", n);
            continue;
        }
        if (rep->seq != g->seq) {
            log_debug("ignoring a reply to seq %" PRIu32 " (waiting for %" PRIu32 ")", rep->seq,
                      g->seq);
            continue;
        }
        switch (rep->kind) {
        case GUESS_ERR_STALE:
            return OUT_STALE;
        case GUESS_ERR_MALFORMED:
        case GUESS_ERR_RANGE:
            log_error("the server rejected seq %" PRIu32 ": %.*s", g->seq, (int)(n - 1), buf);
            return OUT_FAILED;
        default:
            return OUT_REPLY;
        }
    }
}

/* Makes one guess: sends it with a new seq and retransmits it until its
 * reply comes. If the server calls the seq stale, it still holds a session
 * of an earlier client that had this same address and port, with a larger
 * seq; the guess is then made again with a seq STALE_JUMP higher (it is not
 * counted twice: a stale request is not counted). Returns OUT_REPLY with
 * *rep filled in, or OUT_GAVE_UP / OUT_FAILED after logging why. */
static enum outcome guess_once(struct game *g, uint32_t n, struct guess_reply *rep)
{
    const struct opts *o = g->o;
    unsigned cap = o->timeout_ms > BACKOFF_CAP_MS ? o->timeout_ms : BACKOFF_CAP_MS;
    char req[48];
    enum outcome out;
    unsigned timeout;
    int len;

    g->seq++;
    for (;;) {
        len = guess_format_request(req, sizeof(req), g->seq, n);
        if (len < 0)
            return OUT_FAILED;
        timeout = o->timeout_ms;
        for (unsigned attempt = 0; attempt <= o->retries; attempt++) {
            send_request(g, req, (size_t)len);
            out = await_reply(g, now_ms() + timeout, rep);
            if (out != OUT_GAVE_UP)
                break;
            log_debug("no reply to seq %" PRIu32 " within %u ms", g->seq, timeout);
            timeout = timeout * 2 < cap ? timeout * 2 : cap;
        }
        if (out != OUT_STALE)
            break;
        if (++g->stale_jumps > MAX_STALE_JUMPS || g->seq > GUESS_SEQ_MAX - STALE_JUMP) {
            log_error("the server keeps calling seq %" PRIu32 " stale", g->seq);
            return OUT_FAILED;
        }
        log_info("seq %" PRIu32 " is stale for the server (an earlier client on this port?); "
                 "jumping ahead",
                 g->seq);
        g->seq += STALE_JUMP;
    }
    if (out == OUT_GAVE_UP)
        log_error("no reply to 'GUESS %" PRIu32 " %" PRIu32 "' from %s:%u after %u sends%s%s; "
                  "giving up",
                  g->seq, n, o->host, o->port, o->retries + 1, g->last_err ? ", last error: " : "",
                  g->last_err ? strerror(g->last_err) : "");
    return out;
}

/* Plays the game by binary search over 1..max. Returns 0 after printing the
 * result line, or 1. */
static int play(struct game *g)
{
    uint32_t lo = 1, hi = g->o->max;
    struct guess_reply rep;

    while (lo <= hi) {
        uint32_t n = lo + (hi - lo) / 2;

        g->guesses++;
        if (guess_once(g, n, &rep) != OUT_REPLY)
            return 1;
        log_debug("GUESS %" PRIu32 " %" PRIu32 " -> %s %" PRIu32, g->seq, n,
                  guess_kind_name(rep.kind), rep.tries);
        if (rep.kind == GUESS_CORRECT) {
            if (printf("CORRECT %" PRIu32 " %" PRIu32 " %u %u\n", n, rep.tries, g->guesses,
                       g->sent) < 0 ||
                fflush(stdout) != 0) {
                log_error("stdout: %s", strerror(errno));
                return 1;
            }
            return 0;
        }
        if (rep.kind == GUESS_HIGHER)
            lo = n + 1;
        else if (n == 1)
            break; /* LOWER than 1: no secret fits */
        else
            hi = n - 1;
    }
    log_error("the answers contradict each other: no number from 1 to %u fits them", g->o->max);
    return 1;
}

int main(int argc, char **argv)
{
    struct opts o = {
        .host = ARGS_DEFAULT_HOST,
        .port = ARGS_DEFAULT_PORT,
        .max = 100,
        .timeout_ms = 200,
        .retries = 10,
    };
    const struct args_opt opts[] = {
        {"host", ARGS_STRING, &o.host, 0, 0, "HOST", "server address (default 127.0.0.1)"},
        {"port", ARGS_UINT, &o.port, 1, 65535, "PORT", "server UDP port (default 7007)"},
        {"max", ARGS_UINT, &o.max, 1, 1000000, "N",
         "the secret is from 1 to N, as the server's --max (default 100)"},
        {"timeout-ms", ARGS_UINT, &o.timeout_ms, 1, 600000, "MS",
         "first wait for a reply, doubled at each resend up to 3.2 s (default 200)"},
        {"retries", ARGS_UINT, &o.retries, 0, 1000, "K",
         "resend a guess at most K times before giving up (default 10)"},
        {"help", ARGS_FLAG, &o.help, 0, 0, NULL, "print this help and exit"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct game g = {.o = &o};
    char err[256];
    int rc;

    log_init(argv[0]);
    if (args_parse(argc, argv, opts, err, sizeof(err)) < 0) {
        log_error("%s (try --help)", err);
        return 2;
    }
    if (o.help) {
        args_usage(stdout, "guess-client",
                   "Plays one game of guess by binary search over UDP, retransmitting on "
                   "timeout.\nPrints: CORRECT <n> <tries> <guesses> <sent>",
                   opts);
        return 0;
    }
    g.fd = net_udp_connect(o.host, o.port, 0);
    if (g.fd < 0) {
        log_error("cannot reach UDP %s:%u: %s", o.host, o.port, strerror(-g.fd));
        return 1;
    }
    rc = play(&g);
    close(g.fd);
    return rc;
}
