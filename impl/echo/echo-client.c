/* echo-client: load generator and verifier for TCP echo servers.
 *
 * Normal mode: N connections each play M rounds of ping-pong with a message
 * of S bytes. Message m of connection c is a pseudo-random byte stream
 * seeded by (c, m), so a byte that is lost, duplicated, reordered or comes
 * from another connection is caught at its exact offset. Both directions run
 * at once (one epoll loop, non-blocking sockets): a message bigger than the
 * socket buffers is sent while its echo comes back, as a real client must.
 * After its last message a connection half-closes and expects the server to
 * close in turn, with no byte more.
 *
 * Idle mode (--idle): N connections each check one 16-byte echo, then
 * "ready N" is printed and they stay open until stdin reaches EOF or
 * SIGTERM/SIGINT arrives (for measuring a server's memory per connection).
 *
 * Exit status: 0 when every byte was verified, 1 on a mismatch, an early
 * close, an error or the timeout, 2 on bad usage. */

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "sig.h"

#define CHUNK (64 * 1024)
#define MAX_CONNECTING 256 /* connects in flight at once: spares the backlog */
#define IDLE_MESSAGE_SIZE 16
#define MAX_REPORTED 10 /* errors printed in full; the rest are counted */
#define FD_RESERVE 16   /* fds the program needs besides connections */

/* Latency histogram: exact below 128 us, then 64 buckets per power of two,
 * so a percentile is off by at most 1/64 (1.6 %) in constant memory. */
#define HIST_EXACT 128
#define HIST_SUB 64
#define HIST_BUCKETS (HIST_EXACT + 57 * HIST_SUB)

enum state { C_NEW, C_CONNECTING, C_RUNNING, C_DRAINING, C_HOLDING, C_DONE, C_FAILED };

struct client;

struct conn {
    struct client *cl;
    unsigned id;
    int fd;
    enum state state;
    uint32_t mask;
    unsigned msg;       /* message in flight */
    uint64_t seed;      /* its pattern */
    size_t sent, rcvd;  /* its bytes sent and echoed so far */
    uint64_t start_ns;  /* when it started */
};

struct client {
    const char *host;
    unsigned port, nconns, messages, timeout_s;
    size_t size;
    bool json, idle;

    struct loop *loop;
    struct loop_timer *tick;
    int sig_fd;
    struct conn *conns;
    unsigned next; /* first connection not started yet */
    unsigned connecting, finished, failed, ready;
    bool starting, holding, timed_out;
    char first_error[256];

    uint64_t msgs, bytes;
    uint64_t start_ns, end_ns, last_progress_ns;
    uint64_t hist[HIST_BUCKETS];
    uint64_t lat_max_us;
};

static unsigned char scratch[CHUNK];

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: cheap, and every output bit depends on every input bit. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A message is the little-endian encoding of mix64(seed), mix64(seed + 1),
 * ...: byte k is byte k % 8 of mix64(seed + k / 8). Any offset can be
 * generated on its own, so neither side keeps a copy of the message. */
static unsigned char pattern_byte(uint64_t seed, size_t k)
{
    return (unsigned char)(mix64(seed + k / 8) >> (8 * (k % 8)));
}

static void pattern_fill(uint64_t seed, size_t off, unsigned char *dst, size_t n)
{
    size_t i = 0;

    for (; i < n && (off + i) % 8 != 0; i++)
        dst[i] = pattern_byte(seed, off + i);
    for (; i + 8 <= n; i += 8) {
        uint64_t w = htole64(mix64(seed + (off + i) / 8));
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++)
        dst[i] = pattern_byte(seed, off + i);
}

/* Returns the index of the first byte of src that differs from the pattern,
 * or n when all match. */
static size_t pattern_check(uint64_t seed, size_t off, const unsigned char *src, size_t n)
{
    size_t i = 0;

    for (; i < n && (off + i) % 8 != 0; i++) {
        if (src[i] != pattern_byte(seed, off + i))
            return i;
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t got;
        memcpy(&got, src + i, 8);
        if (le64toh(got) != mix64(seed + (off + i) / 8))
            break; /* the byte loop below finds which byte */
    }
    for (; i < n; i++) {
        if (src[i] != pattern_byte(seed, off + i))
            return i;
    }
    return n;
}

static unsigned hist_index(uint64_t us)
{
    unsigned msb;

    if (us < HIST_EXACT)
        return (unsigned)us;
    msb = 63 - (unsigned)__builtin_clzll(us); /* 7 or more */
    return HIST_EXACT + (msb - 7) * HIST_SUB + (unsigned)((us >> (msb - 6)) & (HIST_SUB - 1));
}

/* The largest latency that falls into bucket i. */
static uint64_t hist_upper(unsigned i)
{
    unsigned msb, sub;

    if (i < HIST_EXACT)
        return i;
    msb = (i - HIST_EXACT) / HIST_SUB + 7;
    sub = (i - HIST_EXACT) % HIST_SUB;
    return ((uint64_t)(HIST_SUB + sub + 1) << (msb - 6)) - 1;
}

static void hist_add(struct client *cl, uint64_t us)
{
    cl->hist[hist_index(us)]++;
    if (us > cl->lat_max_us)
        cl->lat_max_us = us;
}

/* The smallest latency that at least fraction q of the messages did not
 * exceed (bucket precision, never above the true maximum). */
static uint64_t hist_quantile(const struct client *cl, double q)
{
    uint64_t rank = (uint64_t)(q * (double)cl->msgs + 0.999999), seen = 0;

    if (rank == 0)
        rank = 1;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += cl->hist[i];
        if (seen >= rank)
            return hist_upper(i) < cl->lat_max_us ? hist_upper(i) : cl->lat_max_us;
    }
    return cl->lat_max_us;
}

static void start_next(struct client *cl);

/* A connection ends (and its fd is closed) inside whatever call found the
 * problem; callers check this before touching the socket again. */
static bool conn_over(const struct conn *c)
{
    return c->state == C_DONE || c->state == C_FAILED;
}

/* Ends the run once every connection is finished (or, in idle mode, ready
 * or failed). */
static void check_settled(struct client *cl)
{
    bool settled = cl->idle ? cl->ready + cl->failed == cl->nconns : cl->finished == cl->nconns;

    if (settled && !cl->holding) {
        cl->end_ns = now_ns();
        loop_stop(cl->loop);
    }
}

static void conn_end(struct conn *c, bool ok)
{
    struct client *cl = c->cl;

    if (c->state == C_CONNECTING)
        cl->connecting--;
    if (c->fd >= 0) {
        loop_remove(cl->loop, c->fd);
        close(c->fd);
        c->fd = -1;
    }
    c->state = ok ? C_DONE : C_FAILED;
    cl->finished++;
    if (!ok)
        cl->failed++;
    start_next(cl);
    check_settled(cl);
}

static void conn_fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports why connection c failed (the first MAX_REPORTED failures are
 * printed, the first is kept for --json) and closes it. */
static void conn_fail(struct conn *c, const char *fmt, ...)
{
    struct client *cl = c->cl;
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (cl->failed == 0)
        snprintf(cl->first_error, sizeof(cl->first_error), "connection %u: %s", c->id, msg);
    if (cl->failed < MAX_REPORTED)
        log_error("connection %u: %s", c->id, msg);
    else if (cl->failed == MAX_REPORTED)
        log_error("more connections failed; only the first %d are reported", MAX_REPORTED);
    conn_end(c, false);
}

static void set_mask(struct conn *c, uint32_t mask)
{
    int rc;

    if (mask == c->mask)
        return;
    rc = loop_modify(c->cl->loop, c->fd, mask);
    if (rc < 0) {
        conn_fail(c, "epoll_ctl: %s", strerror(-rc));
        return;
    }
    c->mask = mask;
}

static void begin_message(struct conn *c)
{
    c->seed = mix64(((uint64_t)c->id << 32) | c->msg);
    c->sent = 0;
    c->rcvd = 0;
    c->start_ns = now_ns();
    set_mask(c, EPOLLIN | EPOLLOUT);
}

/* Sends as much of the message in flight as the socket takes. */
static void send_some(struct conn *c)
{
    size_t size = c->cl->size;

    while (c->sent < size) {
        size_t len = size - c->sent < CHUNK ? size - c->sent : CHUNK;
        ssize_t n;

        pattern_fill(c->seed, c->sent, scratch, len);
        n = send(c->fd, scratch, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_fail(c, "message %u: send: %s", c->msg, strerror(errno));
            return;
        }
        c->sent += (size_t)n;
    }
    set_mask(c, EPOLLIN);
}

/* The message in flight came back whole: record it, start the next one or
 * finish the connection. */
static void message_done(struct conn *c)
{
    struct client *cl = c->cl;

    hist_add(cl, (now_ns() - c->start_ns) / 1000);
    cl->msgs++;
    if (++c->msg < cl->messages) {
        begin_message(c);
        return;
    }
    if (cl->idle) {
        set_mask(c, EPOLLIN);
        if (conn_over(c))
            return;
        c->state = C_HOLDING;
        cl->ready++;
        check_settled(cl);
        return;
    }
    /* Half-close: a correct server echoes what is pending, then closes. */
    if (shutdown(c->fd, SHUT_WR) < 0) {
        conn_fail(c, "shutdown: %s", strerror(errno));
        return;
    }
    c->state = C_DRAINING;
    set_mask(c, EPOLLIN);
}

static void recv_some(struct conn *c)
{
    struct client *cl = c->cl;
    size_t want = cl->size - c->rcvd, bad;
    ssize_t n;

    /* Never read past the message in flight: a byte too many stays in the
     * socket and shows up as a mismatch in the next message. */
    if (c->state != C_RUNNING || want > CHUNK)
        want = CHUNK;
    n = recv(c->fd, scratch, want, 0);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            conn_fail(c, "message %u: recv: %s", c->msg, strerror(errno));
        return;
    }
    if (c->state == C_DRAINING) {
        if (n == 0)
            conn_end(c, true);
        else
            conn_fail(c, "%zd unexpected bytes after the last message", n);
        return;
    }
    if (c->state == C_HOLDING) {
        conn_fail(c, n == 0 ? "server closed an idle connection"
                            : "unexpected bytes on an idle connection");
        return;
    }
    if (n == 0) {
        conn_fail(c, "message %u: server closed the connection after echoing %zu of %zu bytes",
                  c->msg, c->rcvd, cl->size);
        return;
    }
    bad = pattern_check(c->seed, c->rcvd, scratch, (size_t)n);
    if (bad < (size_t)n) {
        conn_fail(c, "message %u: byte at offset %zu differs: expected 0x%02x, got 0x%02x", c->msg,
                  c->rcvd + bad, pattern_byte(c->seed, c->rcvd + bad), scratch[bad]);
        return;
    }
    c->rcvd += (size_t)n;
    cl->bytes += (uint64_t)n;
    if (c->rcvd == cl->size)
        message_done(c);
}

static void on_conn(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct conn *c = ctx;
    int err;

    (void)loop;
    (void)fd;
    if (c->state == C_CONNECTING) {
        err = net_socket_error(c->fd);
        if (err < 0) {
            conn_fail(c, "connect: %s", strerror(-err));
            return;
        }
        c->state = C_RUNNING;
        c->cl->connecting--;
        start_next(c->cl);
        begin_message(c);
        return;
    }
    if ((events & EPOLLOUT) && c->state == C_RUNNING)
        send_some(c);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !conn_over(c))
        recv_some(c);
}

/* Starts connections until MAX_CONNECTING connects are in flight. A connect
 * that fails at once ends its connection, which calls back in here: the
 * starting flag keeps that from recursing once per connection. */
static void start_next(struct client *cl)
{
    if (cl->starting)
        return;
    cl->starting = true;
    while (cl->next < cl->nconns && cl->connecting < MAX_CONNECTING && !cl->timed_out) {
        struct conn *c = &cl->conns[cl->next++];
        int rc;

        c->fd = net_connect(cl->host, cl->port, NET_NONBLOCK);
        if (c->fd < 0) {
            conn_fail(c, "connect: %s", strerror(-c->fd));
            continue;
        }
        /* A message's last chunk must not wait for the ACK of the one
         * before (Nagle): that would be measured as server latency. */
        net_set_nodelay(c->fd, true);
        rc = loop_add(cl->loop, c->fd, EPOLLOUT, on_conn, c);
        if (rc < 0) {
            conn_fail(c, "epoll_ctl: %s", strerror(-rc));
            continue;
        }
        c->mask = EPOLLOUT;
        c->state = C_CONNECTING;
        cl->connecting++;
    }
    cl->starting = false;
}

static const char *state_name(const struct conn *c, char *buf, size_t len)
{
    switch (c->state) {
    case C_NEW:
        return "never started";
    case C_CONNECTING:
        return "still connecting";
    case C_RUNNING:
        snprintf(buf, len, "in message %u: sent %zu of %zu bytes, got %zu back", c->msg, c->sent,
                 c->cl->size, c->rcvd);
        return buf;
    case C_DRAINING:
        return "after the last message, waiting for the server to close";
    default:
        return "finished";
    }
}

static void on_tick(struct loop *loop, void *ctx)
{
    struct client *cl = ctx;
    uint64_t now = now_ns();
    uint64_t deadline = cl->start_ns + (uint64_t)cl->timeout_s * 1000000000u;
    double t = (double)(now - cl->start_ns) / 1e9;

    if (cl->holding)
        return;
    if (now >= deadline) {
        cl->timed_out = true;
        cl->end_ns = now;
        loop_stop(loop);
        return;
    }
    /* Short runs stay quiet; long ones say they are alive once a second. */
    if (t > 2.0) {
        if (cl->idle)
            fprintf(stderr, "progress: %.1f s, %u of %u connections ready\n", t, cl->ready,
                    cl->nconns);
        else
            fprintf(stderr, "progress: %.1f s, %llu messages, %.1f MiB echoed, %u of %u "
                            "connections finished\n",
                    t, (unsigned long long)cl->msgs, (double)cl->bytes / (1 << 20), cl->finished,
                    cl->nconns);
    }
    loop_timer_arm(cl->tick, deadline - now < 1000000000u ? (unsigned)((deadline - now) / 1000000) + 1
                                                           : 1000);
}

static void report_timeout(struct client *cl)
{
    unsigned shown = 0, left = cl->nconns - cl->finished;
    char buf[160];

    if (cl->idle)
        left = cl->nconns - cl->ready - cl->failed;
    log_error("timeout after %u s: %u of %u connections unfinished", cl->timeout_s, left,
              cl->nconns);
    for (unsigned i = 0; i < cl->nconns && shown < MAX_REPORTED; i++) {
        struct conn *c = &cl->conns[i];
        if (c->state == C_DONE || c->state == C_FAILED || c->state == C_HOLDING)
            continue;
        log_error("connection %u: %s", c->id, state_name(c, buf, sizeof(buf)));
        shown++;
    }
    if (cl->failed == 0)
        snprintf(cl->first_error, sizeof(cl->first_error),
                 "timeout after %u s: %u of %u connections unfinished", cl->timeout_s, left,
                 cl->nconns);
}

static void print_report(const struct client *cl, bool ok)
{
    double secs = (double)(cl->end_ns - cl->start_ns) / 1e9;
    double rate = secs > 0 ? (double)cl->msgs / secs : 0;
    double mibs = secs > 0 ? (double)cl->bytes / secs / (1 << 20) : 0;
    unsigned long long p50 = hist_quantile(cl, 0.50), p90 = hist_quantile(cl, 0.90),
                       p99 = hist_quantile(cl, 0.99), p999 = hist_quantile(cl, 0.999),
                       max = cl->lat_max_us;
    unsigned errors = cl->failed + (cl->timed_out ? cl->nconns - cl->finished : 0);

    if (cl->json) {
        printf("{\"connections\":%u,\"messages\":%llu,\"size\":%zu,\"bytes\":%llu,"
               "\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,\"mib_per_s\":%.2f,"
               "\"latency_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,"
               "\"max\":%llu},\"errors\":%u,\"ok\":%s}\n",
               cl->nconns, (unsigned long long)cl->msgs, cl->size,
               (unsigned long long)cl->bytes, secs, rate, mibs, p50, p90, p99, p999, max, errors,
               ok ? "true" : "false");
    } else {
        printf("connections  %u\n", cl->nconns);
        printf("messages     %llu of %zu bytes\n", (unsigned long long)cl->msgs, cl->size);
        printf("bytes        %llu echoed and verified\n", (unsigned long long)cl->bytes);
        printf("elapsed      %.3f s\n", secs);
        printf("msgs/s       %.1f\n", rate);
        printf("MiB/s        %.2f\n", mibs);
        printf("latency us   p50 %llu  p90 %llu  p99 %llu  p99.9 %llu  max %llu\n", p50, p90, p99,
               p999, max);
        printf("errors       %u\n", errors);
    }
    fflush(stdout);
}

static void on_stop_request(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)events;
    (void)ctx;
    if (fd == STDIN_FILENO) {
        /* Whatever arrives on stdin is ignored; EOF (or an error) ends. */
        char sink[512];
        ssize_t n = read(fd, sink, sizeof(sink));
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
            return;
    } else if (sig_read_stopfd(fd) == 0) {
        return;
    }
    loop_stop(loop);
}

/* Idle mode, once every connection is ready: announce it and wait for stdin
 * to close or a stop signal. Returns 0 or a negative errno. */
static int hold(struct client *cl)
{
    int rc;

    cl->holding = true;
    printf("ready %u\n", cl->ready);
    fflush(stdout);

    cl->sig_fd = sig_open_stopfd();
    if (cl->sig_fd < 0)
        return cl->sig_fd;
    rc = loop_add(cl->loop, cl->sig_fd, EPOLLIN, on_stop_request, cl);
    if (rc < 0)
        return rc;
    rc = loop_add(cl->loop, STDIN_FILENO, EPOLLIN, on_stop_request, cl);
    if (rc == -EPERM)
        log_info("stdin cannot be watched (a regular file or /dev/null): holding until SIGTERM or SIGINT");
    else if (rc < 0)
        return rc;
    loop_timer_disarm(cl->tick);
    return loop_run(cl->loop);
}

/* Raises the soft fd limit to the hard one and checks the connections fit.
 * Returns 0, or -EMFILE with the reason logged. */
static int raise_fd_limit(unsigned nconns)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return -errno;
    }
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)nconns + FD_RESERVE > rl.rlim_cur) {
        log_error("--connections %u needs %u file descriptors; the limit is %llu (ulimit -n)",
                  nconns, nconns + FD_RESERVE, (unsigned long long)rl.rlim_cur);
        return -EMFILE;
    }
    return 0;
}

static int client_init(struct client *cl)
{
    int rc;

    cl->conns = calloc(cl->nconns, sizeof(*cl->conns));
    if (cl->conns == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < cl->nconns; i++) {
        cl->conns[i].cl = cl;
        cl->conns[i].id = i;
        cl->conns[i].fd = -1;
    }
    rc = loop_create(&cl->loop);
    if (rc == 0)
        rc = loop_timer_create(cl->loop, on_tick, cl, &cl->tick);
    if (rc == 0)
        rc = loop_timer_arm(cl->tick, 1000);
    return rc;
}

static void client_free(struct client *cl)
{
    for (unsigned i = 0; cl->conns != NULL && i < cl->nconns; i++) {
        if (cl->conns[i].fd >= 0)
            close(cl->conns[i].fd);
    }
    free(cl->conns);
    loop_timer_destroy(cl->tick);
    loop_destroy(cl->loop);
    if (cl->sig_fd >= 0)
        close(cl->sig_fd);
}

int main(int argc, char **argv)
{
    static struct client cl = {
        .host = ARGS_DEFAULT_HOST,
        .port = ARGS_DEFAULT_PORT,
        .nconns = 1,
        .messages = 1000,
        .size = 64,
        .timeout_s = 30,
        .sig_fd = -1,
    };
    bool help = false;
    const struct args_opt opts[] = {
        {"host", ARGS_STRING, &cl.host, 0, 0, "HOST", "server address (default 127.0.0.1)"},
        {"port", ARGS_UINT, &cl.port, 1, 65535, "PORT", "server port (default 7007)"},
        {"connections", ARGS_UINT, &cl.nconns, 1, 1000000, "N",
         "concurrent connections (default 1)"},
        {"messages", ARGS_UINT, &cl.messages, 1, 4000000000u, "M",
         "ping-pong rounds per connection (default 1000)"},
        {"size", ARGS_SIZE, &cl.size, 1, 1ULL << 30, "S",
         "bytes per message, k/m/g suffixes allowed (default 64)"},
        {"timeout", ARGS_UINT, &cl.timeout_s, 1, 86400, "SECONDS",
         "give up after this long overall (default 30)"},
        {"json", ARGS_FLAG, &cl.json, 0, 0, NULL, "print the results as one JSON line"},
        {"idle", ARGS_FLAG, &cl.idle, 0, 0, NULL,
         "check one echo per connection, print \"ready N\", hold until stdin EOF"},
        {"help", ARGS_FLAG, &help, 0, 0, NULL, "print this help and exit"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    char err[256];
    bool ok;
    int rc;

    log_init(argv[0]);
    if (args_parse(argc, argv, opts, err, sizeof(err)) < 0) {
        log_error("%s (try --help)", err);
        return 2;
    }
    if (help) {
        args_usage(stdout, "echo-client",
                   "Load and verification client for TCP echo servers. Exits 0 only if every\n"
                   "byte came back intact; 1 on a mismatch, early close or timeout; 2 on bad usage.",
                   opts);
        return 0;
    }
    if (cl.idle) {
        cl.messages = 1;
        cl.size = IDLE_MESSAGE_SIZE;
    }
    if (raise_fd_limit(cl.nconns) < 0)
        return 2;
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = client_init(&cl);
    if (rc < 0) {
        log_error("setup: %s", strerror(-rc));
        client_free(&cl);
        return 1;
    }

    cl.start_ns = now_ns();
    start_next(&cl);
    /* If every connection already failed, the loop was stopped and this
     * returns at once. */
    rc = loop_run(cl.loop);
    if (cl.end_ns == 0)
        cl.end_ns = now_ns();
    if (rc < 0)
        log_error("epoll_wait: %s", strerror(-rc));
    if (cl.timed_out)
        report_timeout(&cl);
    ok = rc == 0 && !cl.timed_out && cl.failed == 0;

    if (cl.idle) {
        if (ok) {
            rc = hold(&cl);
            if (rc < 0)
                log_error("idle: %s", strerror(-rc));
            ok = rc == 0 && cl.failed == 0;
        } else if (!cl.timed_out) {
            log_error("%u of %u connections failed", cl.failed, cl.nconns);
        }
    } else {
        print_report(&cl, ok);
        if (!ok && !cl.timed_out)
            log_error("%u of %u connections failed", cl.failed, cl.nconns);
    }
    client_free(&cl);
    return ok ? 0 : 1;
}
