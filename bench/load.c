/* osnet-load: the load generator of `make bench` (bench/run.py), for three
 * protocols: HTTP/1.1 (GET of one path), echo (messages of --size bytes,
 * every byte checked) and RESP (GET, SET or PING, like redis-benchmark).
 * Prints one summary, or one JSON line with --json.
 *
 * Two ways to load a server:
 *
 * Closed loop (no --rate). Every connection keeps --pipeline requests in
 * flight and sends the next one only when an answer comes back, so the
 * server sets the pace: when it slows down, the client slows down with
 * it. That answers "how many requests per second can it serve at most?"
 * (what wrk and redis-benchmark measure), but it hides latency: while the
 * server stalls for 100 ms, a closed-loop client sends nothing, so the
 * users who would have arrived during the stall never show up in the
 * figures; only the few requests already in flight see the stall. Gil
 * Tene named this "coordinated omission": the client coordinates with the
 * server to leave out exactly the bad samples, and p99 looks far better
 * than what users would see.
 *
 * Open loop (--rate R). Requests arrive on a fixed schedule, request k due
 * at t0 + k/R, whatever the server does, and a request is sent when it is
 * due even if earlier ones on its connection are still unanswered (it is
 * pipelined behind them). Its latency runs from when it was *due*, not
 * from when the client got round to writing it, so a stall shows in every
 * request that arrived during it, as it would for real users. Ask for a
 * rate above what the server can serve and latencies grow for as long as
 * the run lasts (the queue grows without bound): that growth is the
 * honest answer, not a fault of the tool. late_sends counts requests the
 * client itself wrote more than 1 ms after they were due (a busy client
 * machine); their latency still counts from the due time.
 *
 * The --json line holds, among others: "sent" (requests written in the
 * whole run, warm-up included), "window_sent" (those of them due, or in a
 * closed loop sent, inside the measured window), "late_sends" (open loop:
 * requests of the window written more than 1 ms after they were due; the
 * late share is late_sends / window_sent), "completed", "errors",
 * "connect_errors", "rps" (answers completed in the window per second)
 * and "latency_ms" (p50, p90, p99, p999, max, mean of the window's
 * requests).
 *
 * How it works: --threads event-loop threads (epoll, non-blocking sockets,
 * TCP_NODELAY), each owning every T-th connection and, in open loop, the
 * requests of the schedule that fall on them (request k goes to connection
 * k mod N, so each connection gets one every N/R seconds and the streams of
 * all threads add up to the uniform one). Each connection keeps a FIFO ring of
 * its outstanding requests (when each was due or sent): answers come back
 * in order on a connection, so an answer completes the oldest entry. The
 * bytes of a request are generated from its ring entry when they are
 * written, so the ring is all the memory a request costs. Each protocol's
 * answer is parsed incrementally as bytes arrive (a few hundred bytes of
 * state per connection, bodies skipped by count). Latencies go into a
 * log-linear histogram (128 buckets per power of two: under 1% error)
 * from which the percentiles are read; max and mean are exact. In a
 * closed loop a latency runs from when the request was queued to send
 * (the same moment as the send unless the socket buffer was full). Every
 * request has a deadline (--timeout), and after warmup + duration the run
 * drains for at most min(--timeout, 3 s): answers still missing then count
 * as "unfinished" errors, not as latencies, so the run always ends. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "net.h"

#define PROG "osnet-load"

#define NS_PER_S  UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)

#define IO_CHUNK         65536 /* bytes per recv() and per send() */
#define LINE_KEEP        128   /* bytes kept of a protocol line (the rest is skipped) */
#define HTTP_HEAD_MAX    65536 /* longest response head accepted */
#define RESP_DEPTH       16    /* deepest RESP array nesting accepted */
#define RESP_BULK_MAX    (UINT64_C(512) << 20)
#define RESP_ARRAY_MAX   (1 << 20)
#define MSG_MAX          (16u << 20) /* largest --size and --value-size */
#define MAX_EVENTS       512
#define ISSUE_BATCH      4096             /* open loop: requests issued per loop turn at most */
#define TICK_NS          (20 * NS_PER_MS) /* timeout and reconnect checks */
#define LATE_NS          NS_PER_MS
#define DRAIN_MAX_NS     (3 * NS_PER_S) /* after the window: wait for answers this long at most */
#define BACKOFF_FIRST_NS (10 * NS_PER_MS)
#define BACKOFF_MAX_NS   NS_PER_S
#define START_DELAY_NS   (50 * NS_PER_MS) /* threads start, then the clock starts */
#define CONNECT_BATCH    128              /* connects in progress at once at the start */
#define CONNECT_ROUNDS   6
#define CONNECT_WAIT_MS  3000 /* one batch waits this long for its connects */
#define CONNECT_PHASE_NS (20 * NS_PER_S)
#define RING_BUDGET      (1u << 22) /* outstanding requests over all connections */
#define RING_CONN_MAX    65536u     /* ... and on one connection */
#define FD_SPARE         64

enum proto { P_HTTP, P_ECHO, P_RESP };
enum op { OP_GET, OP_SET, OP_PING };

/* What went wrong with a request; the JSON's "error_kinds". */
enum ekind {
    E_STATUS,     /* HTTP status other than 2xx/3xx */
    E_REPLY,      /* RESP error reply */
    E_MISMATCH,   /* echo returned other bytes */
    E_TIMEOUT,    /* no answer within --timeout */
    E_CLOSED,     /* connection closed or reset with the request unanswered */
    E_PROTOCOL,   /* answer that cannot be parsed, or data nobody asked for */
    E_QUEUE_FULL, /* open loop: too many requests waiting on one connection */
    E_UNFINISHED, /* still unanswered when the run ended */
    E_KINDS
};
static const char *const ekind_names[E_KINDS] = {
    "status", "resp_error", "mismatch", "timeout", "closed", "protocol", "queue_full", "unfinished",
};

/* The run's settings, written by main() before the threads start and only
 * read afterwards. */
static struct {
    enum proto proto;
    const char *host;
    unsigned port;
    unsigned connections; /* asked for */
    bool open;
    double rate;
    double period_ns; /* open loop: 1e9 / rate */
    unsigned pipeline;
    double duration, warmup, timeout;
    unsigned threads; /* in use: min(--threads, connections) */
    unsigned nconn;   /* connections opened (or --close slots) */
    bool close_mode;
    size_t size;
    enum op op;
    unsigned keyspace;
    size_t value_size;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int family;
    char http_req[2300];
    size_t http_len;
    uint32_t ring_max;
    uint64_t timeout_ns;
    uint64_t t0, w, e, drain_end; /* start, window start and end, last moment of the drain */
} cfg;

static uint64_t mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / NS_PER_S), .tv_nsec = (long)(t % NS_PER_S)};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* ---- histogram ------------------------------------------------------------
 * Log-linear buckets over nanoseconds: values under 128 ns have a bucket
 * each; above, every power of two [2^k, 2^(k+1)) is split into 128 equal
 * buckets of width 2^(k-7), so a bucket is at most 1/128 (0.8%) of its
 * values wide. 2^41 ns (36 minutes) and above share the last bucket. */
#define H_SUB_BITS 7
#define H_SUB      (1u << H_SUB_BITS)
#define H_TOP_EXP  41
#define H_BUCKETS  (H_SUB + (H_TOP_EXP - H_SUB_BITS) * H_SUB)

struct hist {
    uint64_t count[H_BUCKETS];
    uint64_t n, max;
    double sum;
};

static unsigned hist_index(uint64_t v)
{
    unsigned k;

    if (v < H_SUB)
        return (unsigned)v;
    k = 63u - (unsigned)__builtin_clzll(v);
    if (k >= H_TOP_EXP)
        return H_BUCKETS - 1;
    return H_SUB + (k - H_SUB_BITS) * H_SUB + (unsigned)((v >> (k - H_SUB_BITS)) - H_SUB);
}

/* The middle of bucket i: the value reported for the samples in it. */
static double hist_value(unsigned i)
{
    unsigned j, k;
    uint64_t lo, width;

    if (i < H_SUB)
        return i;
    j = i - H_SUB;
    k = j / H_SUB + H_SUB_BITS;
    lo = (uint64_t)(H_SUB + j % H_SUB) << (k - H_SUB_BITS);
    width = UINT64_C(1) << (k - H_SUB_BITS);
    return (double)lo + (double)width / 2;
}

static void hist_add(struct hist *h, uint64_t v)
{
    h->count[hist_index(v)]++;
    h->n++;
    h->sum += (double)v;
    if (v > h->max)
        h->max = v;
}

static void hist_merge(struct hist *dst, const struct hist *src)
{
    for (unsigned i = 0; i < H_BUCKETS; i++)
        dst->count[i] += src->count[i];
    dst->n += src->n;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
}

/* The value below which a fraction p of the samples lie (h->n > 0). */
static double hist_quantile(const struct hist *h, double p)
{
    uint64_t rank = (uint64_t)(p * (double)h->n), seen = 0;
    double v;

    if ((double)rank < p * (double)h->n)
        rank++;
    if (rank < 1)
        rank = 1;
    for (unsigned i = 0; i < H_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            v = hist_value(i);
            return v > (double)h->max ? (double)h->max : v;
        }
    }
    return (double)h->max;
}

/* ---- connections and workers ------------------------------------------ */

/* One outstanding request. */
struct entry {
    uint64_t start;  /* when it was due (open loop) or queued to send (closed loop) */
    uint32_t key;    /* resp: the key's number */
    uint32_t resent; /* written before, on a connection the server closed: not counted again */
};

enum cstate { C_DOWN, C_CONNECTING, C_UP };

struct conn {
    int fd;
    enum cstate state;
    uint32_t id;    /* number over the whole run: echo patterns differ per connection */
    uint32_t local; /* index in its worker's array */
    uint32_t gen;   /* bumped per socket, so stale epoll events are recognised */
    bool want_out;  /* EPOLLOUT is in the interest set */
    bool dirty;     /* has unwritten requests: flush at the end of the loop turn */
    /* The ring of outstanding requests: free-running indices, cap a power
     * of two. [head, wcur) are written in full, wcur has woff bytes
     * written, [wcur, tail) are waiting to be written. */
    struct entry *ring;
    uint32_t cap, head, wcur, tail;
    size_t woff;
    uint32_t seq_done; /* echo: how many requests this connection has retired */
    uint64_t retry_at, backoff_ns, up_at;
    uint64_t rng;
    /* The answer being parsed. */
    bool in_body;    /* http: skipping the body; resp: a bulk string */
    bool in_headers; /* http: past the status line */
    bool line_trunc; /* the line was longer than LINE_KEEP */
    bool have_clen, te, server_close, resp_err;
    int status;
    uint64_t need; /* http body or resp bulk bytes left; echo: bytes of the answer seen */
    uint64_t clen;
    size_t head_bytes;
    unsigned line_len, depth;
    uint32_t stack[RESP_DEPTH]; /* resp: elements still to come in each open array */
    char line[LINE_KEEP + 1];
    char errline[64]; /* resp: the first error reply of the answer; echo: the first bad byte */
};

struct worker {
    unsigned idx;
    pthread_t tid;
    int ep;
    struct conn *conns;
    unsigned n;
    struct conn **dirty;
    unsigned ndirty;
    uint64_t now;
    /* Open loop: request k of the schedule goes to connection k mod N, so
     * this worker's next request is k = round * N + conns[slot].id. */
    uint64_t round, next_due;
    unsigned slot;
    uint64_t outstanding;
    uint64_t next_tick;
    /* results */
    uint64_t sent, window_sent, completed, window_completed, late, errors, connect_errors;
    uint64_t kinds[E_KINDS];
    uint64_t first_err_at, first_cerr_at;
    char first_err[200], first_cerr[200];
    char fatal[200];
    struct hist hist;
    char rbuf[IO_CHUNK], wbuf[IO_CHUNK];
};

static void note_error(struct worker *w, enum ekind kind, uint64_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void note_error(struct worker *w, enum ekind kind, uint64_t n, const char *fmt, ...)
{
    va_list ap;

    w->errors += n;
    w->kinds[kind] += n;
    if (w->first_err[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(w->first_err, sizeof(w->first_err), fmt, ap);
        va_end(ap);
        w->first_err_at = mono();
    }
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t next_key(struct conn *c)
{
    if (cfg.proto != P_RESP)
        return 0;
    return (uint32_t)(splitmix(&c->rng) % cfg.keyspace);
}

/* Byte i of echo message seq on connection conn: a letter that depends on
 * all three, so a byte changed, lost, duplicated, or answered out of order
 * or on the wrong connection is caught. */
static unsigned char echo_byte(uint32_t conn, uint32_t seq, uint64_t i)
{
    uint32_t x = conn * 0x9e3779b1u + seq * 0x85ebca77u + (uint32_t)i * 0xc2b2ae3du;

    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    x ^= x >> 12;
    return (unsigned char)('a' + x % 26);
}

static struct entry *ring_at(struct conn *c, uint32_t i)
{
    return &c->ring[i & (c->cap - 1)];
}

/* Whether the oldest request has had at least one byte written: only then
 * may an answer arrive. */
static bool head_written(const struct conn *c)
{
    return c->head != c->tail && (c->wcur != c->head || c->woff > 0);
}

/* Requests with at least one byte on the wire and no answer yet. */
static uint32_t written_count(const struct conn *c)
{
    return (c->wcur - c->head) + (c->wcur != c->tail && c->woff > 0 ? 1 : 0);
}

/* ---- request bytes ---------------------------------------------------- */

/* A RESP command up to the value: "*3\r\n$3\r\nSET\r\n$L\r\nkey:N\r\n$V\r\n". */
static size_t resp_head(uint32_t key, char *out, size_t outlen)
{
    char k[16];
    int kl = snprintf(k, sizeof(k), "key:%" PRIu32, key);
    int n;

    switch (cfg.op) {
    case OP_PING:
        n = snprintf(out, outlen, "*1\r\n$4\r\nPING\r\n");
        break;
    case OP_GET:
        n = snprintf(out, outlen, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, k);
        break;
    default:
        n = snprintf(out, outlen, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%zu\r\n", kl, k,
                     cfg.value_size);
        break;
    }
    return n < 0 ? 0 : (size_t)n;
}

static size_t req_len(const struct entry *e)
{
    char head[96];

    switch (cfg.proto) {
    case P_HTTP:
        return cfg.http_len;
    case P_ECHO:
        return cfg.size;
    default:
        return resp_head(e->key, head, sizeof(head)) + (cfg.op == OP_SET ? cfg.value_size + 2 : 0);
    }
}

/* Copies the part of a request that starts at byte skip: a request is a
 * sequence of pieces, put() once each in order. */
struct slicer {
    char *dst;
    size_t room, n, skip;
};

static void put(struct slicer *s, const char *p, size_t len)
{
    size_t k;

    if (s->skip >= len) {
        s->skip -= len;
        return;
    }
    p += s->skip;
    len -= s->skip;
    s->skip = 0;
    k = len < s->room ? len : s->room;
    memcpy(s->dst + s->n, p, k);
    s->n += k;
    s->room -= k;
}

/* The value of a SET: value_size bytes of a fixed pattern. */
static void put_value(struct slicer *s)
{
    size_t len = cfg.value_size, k;

    if (s->skip >= len) {
        s->skip -= len;
        return;
    }
    k = len - s->skip < s->room ? len - s->skip : s->room;
    for (size_t i = 0; i < k; i++)
        s->dst[s->n + i] = (char)('A' + (s->skip + i) % 26);
    s->skip = 0;
    s->n += k;
    s->room -= k;
}

/* Writes up to max bytes of request e (number seq on its connection) from
 * byte off on into dst; returns how many. */
static size_t req_bytes(const struct conn *c, uint32_t seq, const struct entry *e, size_t off,
                        char *dst, size_t max)
{
    struct slicer s = {.dst = dst, .room = max, .n = 0, .skip = off};
    char head[96];
    size_t k;

    switch (cfg.proto) {
    case P_HTTP:
        put(&s, cfg.http_req, cfg.http_len);
        break;
    case P_ECHO:
        k = cfg.size - off < max ? cfg.size - off : max;
        for (size_t i = 0; i < k; i++)
            dst[i] = (char)echo_byte(c->id, seq, off + i);
        return k;
    default:
        put(&s, head, resp_head(e->key, head, sizeof(head)));
        if (cfg.op == OP_SET) {
            put_value(&s);
            put(&s, "\r\n", 2);
        }
        break;
    }
    return s.n;
}

/* ---- connection life -------------------------------------------------- */

static void conn_lost(struct worker *w, struct conn *c, bool requeue, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void conn_flush(struct worker *w, struct conn *c);

static void parser_reset(struct conn *c)
{
    c->in_body = false;
    c->in_headers = false;
    c->line_trunc = false;
    c->have_clen = false;
    c->te = false;
    c->server_close = false;
    c->resp_err = false;
    c->status = 0;
    c->need = 0;
    c->clen = 0;
    c->head_bytes = 0;
    c->line_len = 0;
    c->depth = 0;
}

static void mark_dirty(struct worker *w, struct conn *c)
{
    if (c->dirty || c->state != C_UP)
        return;
    if (w->ndirty == w->n) { /* cannot happen: each connection is listed once */
        conn_flush(w, c);
        return;
    }
    c->dirty = true;
    w->dirty[w->ndirty++] = c;
}

/* Appends a request to the ring; -1 (counted as an error) when the ring is
 * at its limit. */
static int ring_push(struct worker *w, struct conn *c, uint64_t start, uint32_t key)
{
    struct entry *ring;
    uint32_t cap;

    if (c->tail - c->head == c->cap) {
        cap = c->cap == 0 ? 4 : c->cap * 2;
        if (c->cap >= cfg.ring_max) {
            note_error(w, E_QUEUE_FULL, 1,
                       "client queue full: %" PRIu32 " requests outstanding on one connection",
                       c->cap);
            return -1;
        }
        ring = malloc((size_t)cap * sizeof(*ring));
        if (ring == NULL) {
            note_error(w, E_QUEUE_FULL, 1, "client queue full: out of memory");
            return -1;
        }
        for (uint32_t i = c->head; i != c->tail; i++)
            ring[i & (cap - 1)] = c->ring[i & (c->cap - 1)];
        free(c->ring);
        c->ring = ring;
        c->cap = cap;
    }
    *ring_at(c, c->tail) = (struct entry){.start = start, .key = key};
    c->tail++;
    w->outstanding++;
    return 0;
}

static void pop_head(struct worker *w, struct conn *c)
{
    if (c->wcur == c->head) {
        c->wcur++;
        c->woff = 0;
    }
    c->head++;
    c->seq_done++;
    w->outstanding--;
}

/* Closed loop: tops the connection up to --pipeline requests, queued now. */
static void closed_topup(struct worker *w, struct conn *c)
{
    if (cfg.open || w->now >= cfg.e)
        return;
    while (c->tail - c->head < cfg.pipeline) {
        if (ring_push(w, c, w->now, next_key(c)) < 0)
            return;
    }
    mark_dirty(w, c);
}

/* Closes the socket, if any; the ring is left as it is. */
static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = C_DOWN;
    c->want_out = false;
    parser_reset(c);
}

static void connect_failed(struct worker *w, struct conn *c, int err)
{
    w->connect_errors++;
    if (w->first_cerr[0] == '\0') {
        snprintf(w->first_cerr, sizeof(w->first_cerr), "connect to %s:%u: %s", cfg.host, cfg.port,
                 strerror(err));
        w->first_cerr_at = mono();
    }
    c->state = C_DOWN;
    c->backoff_ns = c->backoff_ns == 0 ? BACKOFF_FIRST_NS : c->backoff_ns * 2;
    if (c->backoff_ns > BACKOFF_MAX_NS)
        c->backoff_ns = BACKOFF_MAX_NS;
    c->retry_at = w->now + c->backoff_ns;
}

/* Starts a non-blocking connect; its outcome arrives as EPOLLOUT. */
static void conn_connect(struct worker *w, struct conn *c)
{
    struct epoll_event ev;
    int fd, err;

    fd = socket(cfg.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        connect_failed(w, c, errno);
        return;
    }
    if (connect(fd, (const struct sockaddr *)&cfg.addr, cfg.addrlen) < 0 && errno != EINPROGRESS) {
        err = errno;
        close(fd);
        connect_failed(w, c, err);
        return;
    }
    /* Even a connect that completed at once is finished through EPOLLOUT,
     * so that a request is never written from inside this call. */
    c->gen++;
    ev.events = EPOLLOUT;
    ev.data.u64 = (uint64_t)c->gen << 32 | c->local;
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        err = errno;
        close(fd);
        connect_failed(w, c, err);
        return;
    }
    c->fd = fd;
    c->state = C_CONNECTING;
    c->want_out = true;
}

/* Whether a connection without a socket should get one now. */
static bool wants_socket(const struct worker *w, const struct conn *c)
{
    if (c->head != c->tail)
        return true;
    return !cfg.close_mode && w->now < cfg.e;
}

/* The connection failed or was closed by the server. Requests already on
 * the wire are errors (their answers can never come), unless requeue is
 * set: then they are written again on the next connection (an HTTP server
 * that said "Connection: close" has not processed them). Requests not yet
 * written wait for the next connection, which is opened at once the first
 * time and after a growing pause while connections keep failing (an answer,
 * or a connection that lasted a second, resets the pause). */
static void conn_lost(struct worker *w, struct conn *c, bool requeue, const char *fmt, ...)
{
    uint32_t lost = requeue ? 0 : written_count(c);
    char why[160];
    va_list ap;

    for (uint32_t i = c->head; requeue && i != c->wcur; i++)
        ring_at(c, i)->resent = 1;
    if (c->state == C_UP && w->now - c->up_at > NS_PER_S)
        c->backoff_ns = 0; /* it served a while (an idle close, say): not a failing server */
    conn_close(c);
    if (lost > 0) {
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        note_error(w, E_CLOSED, lost, "%s (%" PRIu32 " requests unanswered)", why, lost);
        for (uint32_t i = 0; i < lost; i++)
            pop_head(w, c);
    }
    c->wcur = c->head;
    c->woff = 0;
    closed_topup(w, c);
    if (!wants_socket(w, c))
        return;
    if (c->backoff_ns == 0) {
        c->backoff_ns = BACKOFF_FIRST_NS; /* the next loss waits, until an answer resets it */
        conn_connect(w, c);
    } else {
        c->retry_at = w->now + c->backoff_ns;
        c->backoff_ns = c->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : c->backoff_ns * 2;
    }
}

static void set_out(struct worker *w, struct conn *c, bool on)
{
    struct epoll_event ev;

    if (c->want_out == on)
        return;
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
    ev.data.u64 = (uint64_t)c->gen << 32 | c->local;
    if (epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        conn_lost(w, c, false, "epoll_ctl: %s", strerror(errno));
        return;
    }
    c->want_out = on;
}

static void finish_connect(struct worker *w, struct conn *c)
{
    int err = net_socket_error(c->fd);

    if (err < 0) {
        conn_close(c);
        connect_failed(w, c, -err);
        return;
    }
    /* Without TCP_NODELAY a small request can wait for the ACK of the
     * previous one; the run goes on without it if it cannot be set. */
    (void)net_set_nodelay(c->fd, true);
    c->state = C_UP;
    c->up_at = w->now;
    set_out(w, c, false);
    if (c->state == C_UP)
        conn_flush(w, c);
}

/* A request is on the wire in full. */
static void entry_written(struct worker *w, const struct entry *e)
{
    if (e->resent)
        return;
    w->sent++;
    if (e->start < cfg.w || e->start >= cfg.e)
        return;
    w->window_sent++;
    if (cfg.open && w->now > e->start + LATE_NS)
        w->late++;
}

/* Writes what the socket takes of the requests not yet written. */
static void conn_flush(struct worker *w, struct conn *c)
{
    while (c->state == C_UP && c->wcur != c->tail) {
        size_t n = 0, off = c->woff, left;
        uint32_t i = c->wcur;
        ssize_t r;

        while (i != c->tail && n < sizeof(w->wbuf)) {
            const struct entry *e = ring_at(c, i);
            size_t len = req_len(e);
            size_t k =
                req_bytes(c, c->seq_done + (i - c->head), e, off, w->wbuf + n, sizeof(w->wbuf) - n);

            n += k;
            if (off + k < len)
                break;
            off = 0;
            i++;
        }
        r = send(c->fd, w->wbuf, n, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                set_out(w, c, true);
            else
                conn_lost(w, c, false, "send: %s", strerror(errno));
            return;
        }
        for (left = (size_t)r; left > 0;) {
            const struct entry *e = ring_at(c, c->wcur);
            size_t rest = req_len(e) - c->woff;

            if (left < rest) {
                c->woff += left;
                break;
            }
            left -= rest;
            c->woff = 0;
            entry_written(w, e);
            c->wcur++;
        }
        if ((size_t)r < n) {
            set_out(w, c, true);
            return;
        }
    }
    if (c->state == C_UP)
        set_out(w, c, false);
}

/* ---- answers ---------------------------------------------------------- */

/* The oldest request got its whole answer. Returns -1 when the connection
 * was closed or replaced meanwhile (the caller must drop the rest of what
 * it read), else 0. */
static int complete(struct worker *w, struct conn *c, bool ok, enum ekind kind, const char *why)
{
    const struct entry *e = ring_at(c, c->head);
    uint64_t lat = w->now > e->start ? w->now - e->start : 0;

    if (ok) {
        w->completed++;
        if (e->start >= cfg.w && e->start < cfg.e)
            hist_add(&w->hist, lat);
        if (w->now >= cfg.w && w->now < cfg.e)
            w->window_completed++;
        c->backoff_ns = 0;
    } else {
        note_error(w, kind, 1, "%s", why);
    }
    pop_head(w, c);
    if (cfg.close_mode) {
        conn_close(c);
        closed_topup(w, c);
        if (c->head != c->tail)
            conn_connect(w, c);
        return -1;
    }
    if (c->server_close) {
        conn_lost(w, c, true, "server closed the connection");
        return -1;
    }
    closed_topup(w, c);
    return 0;
}

static int proto_error(struct worker *w, struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An answer that cannot be framed: the connection is useless. The oldest
 * request counts as a protocol error, the others written as closed. */
static int proto_error(struct worker *w, struct conn *c, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    note_error(w, E_PROTOCOL, 1, "protocol error: %s", why);
    if (head_written(c))
        pop_head(w, c);
    conn_lost(w, c, false, "connection closed after a protocol error");
    return -1;
}

static int unexpected(struct worker *w, struct conn *c)
{
    return proto_error(w, c, "the server sent data while no request was outstanding");
}

/* Adds k bytes to the current line, keeping the first LINE_KEEP. */
static void line_add(struct conn *c, const char *p, size_t k)
{
    size_t room = LINE_KEEP - c->line_len;

    if (k > room) {
        k = room;
        c->line_trunc = true;
    }
    memcpy(c->line + c->line_len, p, k);
    c->line_len += (unsigned)k;
}

/* Terminates the current line (without its CR) and returns it. */
static char *line_end(struct conn *c, unsigned *len)
{
    unsigned n = c->line_len;

    if (!c->line_trunc && n > 0 && c->line[n - 1] == '\r')
        n--;
    c->line[n] = '\0';
    *len = n;
    return c->line;
}

/* Parses a decimal number (a leading '-' allowed when neg_ok). */
static bool parse_i64(const char *s, bool neg_ok, int64_t *out)
{
    bool neg = false;
    int64_t v = 0;

    if (neg_ok && *s == '-') {
        neg = true;
        s++;
    }
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* -- http -- */

static int http_done(struct worker *w, struct conn *c)
{
    char why[48];
    bool ok = c->status >= 200 && c->status < 400;

    snprintf(why, sizeof(why), "HTTP status %d", c->status);
    c->status = 0; /* the next answer starts */
    return complete(w, c, ok, E_STATUS, why);
}

static bool header_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static int http_line(struct worker *w, struct conn *c)
{
    unsigned len;
    char *l = line_end(c, &len), *colon, *v, *end;
    size_t nlen;
    int64_t n;

    if (!c->in_headers) {
        if (len < 12 || strncmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') ||
            l[8] != ' ' || l[9] < '0' || l[9] > '9' || l[10] < '0' || l[10] > '9' || l[11] < '0' ||
            l[11] > '9' || (len > 12 && l[12] != ' '))
            return proto_error(w, c, "bad HTTP status line '%.60s'", l);
        c->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
        c->in_headers = true;
        c->have_clen = false;
        c->clen = 0;
        c->te = false;
        c->server_close = l[7] == '0'; /* HTTP/1.0 closes unless it says keep-alive */
        return 0;
    }
    if (len == 0) { /* the end of the head */
        c->in_headers = false;
        c->head_bytes = 0;
        if (c->status < 200) {
            if (c->status == 101)
                return proto_error(w, c, "HTTP 101 (protocol switch) in answer to a GET");
            return 0; /* an interim answer: the real one follows */
        }
        if (c->te)
            return proto_error(w, c,
                               "Transfer-Encoding in the answer (chunked is not supported: "
                               "osnet-load needs Content-Length)");
        if (c->status == 204 || c->status == 304)
            c->clen = 0;
        else if (!c->have_clen)
            return proto_error(w, c, "answer without Content-Length (status %d)", c->status);
        if (c->clen == 0)
            return http_done(w, c);
        c->in_body = true;
        c->need = c->clen;
        return 0;
    }
    colon = memchr(l, ':', len);
    if (colon == NULL || colon == l)
        return proto_error(w, c, "bad header line '%.60s'", l);
    nlen = (size_t)(colon - l);
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
        ;
    for (end = l + len; end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
        ;
    *end = '\0';
    if (header_is(l, nlen, "content-length")) {
        if (c->line_trunc || !parse_i64(v, false, &n) || (c->have_clen && (uint64_t)n != c->clen))
            return proto_error(w, c, "bad Content-Length '%.40s'", v);
        c->have_clen = true;
        c->clen = (uint64_t)n;
    } else if (header_is(l, nlen, "transfer-encoding")) {
        if (strcasecmp(v, "identity") != 0)
            c->te = true;
    } else if (header_is(l, nlen, "connection")) {
        if (strcasestr(v, "close") != NULL)
            c->server_close = true;
        else if (strcasestr(v, "keep-alive") != NULL)
            c->server_close = false;
    }
    return 0;
}

static int http_feed(struct worker *w, struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl;
        size_t take, k;

        if (c->in_body) {
            k = n < c->need ? n : (size_t)c->need;
            p += k;
            n -= k;
            c->need -= k;
            if (c->need == 0) {
                c->in_body = false;
                if (http_done(w, c) < 0)
                    return -1;
            }
            continue;
        }
        if (!c->in_headers && c->line_len == 0 && !c->line_trunc && c->status < 100 &&
            !head_written(c))
            return unexpected(w, c);
        nl = memchr(p, '\n', n);
        take = nl != NULL ? (size_t)(nl - p) + 1 : n;
        c->head_bytes += take;
        if (c->head_bytes > HTTP_HEAD_MAX)
            return proto_error(w, c, "answer head longer than %d bytes", HTTP_HEAD_MAX);
        line_add(c, p, nl != NULL ? take - 1 : take);
        p += take;
        n -= take;
        if (nl != NULL) {
            int r = http_line(w, c);

            if (r < 0)
                return -1;
            c->line_len = 0;
            c->line_trunc = false;
        }
    }
    return 0;
}

/* -- echo -- */

/* An echo answer is framed by its length alone, so a changed byte spoils
 * its message only: the message counts as an error and the stream goes on
 * (a server that loses or adds bytes makes every later message fail). */
static int echo_feed(struct worker *w, struct conn *c, const char *p, size_t n)
{
    char why[160];

    while (n > 0) {
        uint64_t off = c->need;
        size_t k = n < cfg.size - off ? n : (size_t)(cfg.size - off);

        if (!head_written(c))
            return unexpected(w, c);
        for (size_t i = 0; i < k && !c->resp_err; i++) {
            unsigned char want = echo_byte(c->id, c->seq_done, off + i);

            if ((unsigned char)p[i] != want) {
                c->resp_err = true;
                snprintf(c->errline, sizeof(c->errline),
                         "byte %" PRIu64 ": sent 0x%02x, got 0x%02x", off + i, want,
                         (unsigned char)p[i]);
            }
        }
        p += k;
        n -= k;
        c->need += k;
        if (c->need == cfg.size) {
            bool ok = !c->resp_err;

            c->need = 0;
            c->resp_err = false;
            snprintf(why, sizeof(why),
                     "echo mismatch in message %" PRIu32 " of connection %" PRIu32 ", %s",
                     c->seq_done, c->id, c->errline);
            if (complete(w, c, ok, E_MISMATCH, why) < 0)
                return -1;
        }
    }
    return 0;
}

/* -- resp -- */

/* One element of the answer is complete; so is the answer when no array is
 * open. */
static int resp_elem_done(struct worker *w, struct conn *c)
{
    char why[100];
    bool ok;

    while (c->depth > 0) {
        if (--c->stack[c->depth - 1] > 0)
            return 0;
        c->depth--;
    }
    ok = !c->resp_err;
    c->resp_err = false;
    snprintf(why, sizeof(why), "RESP error reply '%s'", c->errline);
    return complete(w, c, ok, E_REPLY, why);
}

static int resp_line(struct worker *w, struct conn *c)
{
    unsigned len;
    char *l = line_end(c, &len);
    int64_t v;

    if (len == 0)
        return proto_error(w, c, "empty RESP line");
    switch (l[0]) {
    case '+':
    case ':':
        return resp_elem_done(w, c);
    case '-':
        if (!c->resp_err) {
            c->resp_err = true;
            snprintf(c->errline, sizeof(c->errline), "%.60s", l);
        }
        return resp_elem_done(w, c);
    case '$':
        if (c->line_trunc || !parse_i64(l + 1, true, &v) || v < -1 || v > (int64_t)RESP_BULK_MAX)
            return proto_error(w, c, "bad RESP bulk length '%.40s'", l);
        if (v == -1)
            return resp_elem_done(w, c); /* nil: a GET of a missing key */
        c->in_body = true;
        c->need = (uint64_t)v + 2;
        return 0;
    case '*':
        if (c->line_trunc || !parse_i64(l + 1, true, &v) || v < -1 || v > RESP_ARRAY_MAX)
            return proto_error(w, c, "bad RESP array length '%.40s'", l);
        if (v <= 0)
            return resp_elem_done(w, c);
        if (c->depth == RESP_DEPTH)
            return proto_error(w, c, "RESP arrays nested deeper than %d", RESP_DEPTH);
        c->stack[c->depth++] = (uint32_t)v;
        return 0;
    default:
        return proto_error(w, c, "bad RESP reply type byte 0x%02x", (unsigned char)l[0]);
    }
}

static int resp_feed(struct worker *w, struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl;
        size_t take, k;

        if (c->in_body) { /* a bulk string: its bytes, then CRLF */
            if (c->need > 2) {
                k = n < c->need - 2 ? n : (size_t)(c->need - 2);
                p += k;
                n -= k;
                c->need -= k;
                continue;
            }
            if (*p != (c->need == 2 ? '\r' : '\n'))
                return proto_error(w, c, "RESP bulk string not followed by CRLF");
            p++;
            n--;
            if (--c->need == 0) {
                c->in_body = false;
                if (resp_elem_done(w, c) < 0)
                    return -1;
            }
            continue;
        }
        if (c->depth == 0 && c->line_len == 0 && !c->line_trunc && !head_written(c))
            return unexpected(w, c);
        nl = memchr(p, '\n', n);
        take = nl != NULL ? (size_t)(nl - p) + 1 : n;
        line_add(c, p, nl != NULL ? take - 1 : take);
        p += take;
        n -= take;
        if (nl != NULL) {
            int r = resp_line(w, c);

            if (r < 0)
                return -1;
            c->line_len = 0;
            c->line_trunc = false;
        }
    }
    return 0;
}

static void conn_read(struct worker *w, struct conn *c)
{
    for (int round = 0; round < 8; round++) {
        ssize_t r = recv(c->fd, w->rbuf, sizeof(w->rbuf), 0);
        int rc;

        if (r == 0) {
            conn_lost(w, c, false, "connection closed by the server");
            return;
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_lost(w, c, false, "recv: %s", strerror(errno));
            break;
        }
        w->now = mono();
        if (cfg.proto == P_HTTP)
            rc = http_feed(w, c, w->rbuf, (size_t)r);
        else if (cfg.proto == P_ECHO)
            rc = echo_feed(w, c, w->rbuf, (size_t)r);
        else
            rc = resp_feed(w, c, w->rbuf, (size_t)r);
        if (rc < 0)
            return;
        if ((size_t)r < sizeof(w->rbuf))
            break;
    }
    if (c->state == C_UP && c->wcur != c->tail)
        mark_dirty(w, c);
}

/* ---- the event loop ------------------------------------------------------ */

static void flush_dirty(struct worker *w)
{
    for (unsigned i = 0; i < w->ndirty; i++) {
        struct conn *c = w->dirty[i];

        c->dirty = false;
        if (c->state == C_UP)
            conn_flush(w, c);
    }
    w->ndirty = 0;
}

static uint64_t due_time(uint64_t k)
{
    return cfg.t0 + (uint64_t)((double)k * cfg.period_ns);
}

/* Open loop: moves on to the worker's next request of the schedule. */
static void next_request(struct worker *w)
{
    if (++w->slot == w->n) {
        w->slot = 0;
        w->round++;
    }
    w->next_due = due_time(w->round * cfg.nconn + w->conns[w->slot].id);
}

static void issue_due(struct worker *w)
{
    for (unsigned budget = ISSUE_BATCH; budget > 0 && w->next_due <= w->now && w->next_due < cfg.e;
         budget--) {
        struct conn *c = &w->conns[w->slot];

        if (ring_push(w, c, w->next_due, next_key(c)) == 0)
            mark_dirty(w, c);
        next_request(w);
    }
}

/* Open loop, a client starved of CPU: the run must end, so the requests of
 * the schedule it has not even issued by the end of the drain are dropped,
 * and counted as errors (never silently). */
static void give_up_schedule(struct worker *w)
{
    uint64_t n = 0;

    for (; w->next_due < cfg.e; n++)
        next_request(w);
    note_error(w, E_UNFINISHED, n,
               "the client fell behind its schedule: %" PRIu64 " requests never sent", n);
}

/* Requests older than --timeout are errors; one already written makes its
 * connection useless (its answer may still come), so it is closed. */
static void check_timeouts(struct worker *w, struct conn *c)
{
    bool on_wire = false;
    uint32_t n = 0;

    while (c->head != c->tail && ring_at(c, c->head)->start + cfg.timeout_ns <= w->now) {
        if (head_written(c))
            on_wire = true;
        pop_head(w, c);
        n++;
    }
    if (n == 0)
        return;
    note_error(w, E_TIMEOUT, n, "timeout: no answer within %g s", cfg.timeout);
    if (c->state == C_CONNECTING) { /* a connect that takes this long will not do */
        conn_close(c);
        connect_failed(w, c, ETIMEDOUT);
        closed_topup(w, c);
    } else if (on_wire && c->fd >= 0)
        conn_lost(w, c, false, "connection closed after a timeout");
    else
        closed_topup(w, c);
}

static void tick(struct worker *w)
{
    for (unsigned i = 0; i < w->n; i++) {
        struct conn *c = &w->conns[i];

        check_timeouts(w, c);
        if (c->state == C_DOWN && c->retry_at <= w->now && wants_socket(w, c))
            conn_connect(w, c);
    }
}

static void dispatch(struct worker *w, const struct epoll_event *ev)
{
    uint32_t local = (uint32_t)ev->data.u64, gen = (uint32_t)(ev->data.u64 >> 32);
    struct conn *c;

    if (local >= w->n)
        return;
    c = &w->conns[local];
    if (c->fd < 0 || c->gen != gen)
        return; /* an event of a socket closed earlier in this batch */
    if (c->state == C_CONNECTING) {
        finish_connect(w, c);
        return;
    }
    if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        conn_read(w, c);
        if (c->fd < 0 || c->gen != gen)
            return;
    }
    if (ev->events & EPOLLOUT)
        conn_flush(w, c);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event evs[MAX_EVENTS];

    /* Wake-ups as exact as the kernel can make them (default slack: 50 µs). */
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    sleep_until(cfg.t0);
    w->now = mono();
    if (cfg.open) {
        w->next_due = due_time(w->conns[0].id);
    } else {
        for (unsigned i = 0; i < w->n; i++) {
            closed_topup(w, &w->conns[i]);
            if (w->conns[i].state == C_DOWN)
                conn_connect(w, &w->conns[i]);
        }
    }
    w->next_tick = w->now + TICK_NS;
    for (;;) {
        bool scheduling;
        uint64_t until, wait;
        struct timespec ts;
        int n;

        w->now = mono();
        if (cfg.open && w->next_due < cfg.e && w->now >= cfg.drain_end)
            give_up_schedule(w);
        if (cfg.open)
            issue_due(w);
        if (w->now >= w->next_tick) {
            tick(w);
            w->next_tick = w->now + TICK_NS;
        }
        flush_dirty(w);
        scheduling = cfg.open ? w->next_due < cfg.e : w->now < cfg.e;
        if (!scheduling && (w->outstanding == 0 || w->now >= cfg.drain_end))
            break;
        until = w->next_tick;
        if (cfg.open && scheduling && w->next_due < until)
            until = w->next_due;
        if (!cfg.open && scheduling && cfg.e < until)
            until = cfg.e;
        if (!scheduling && cfg.drain_end < until)
            until = cfg.drain_end;
        wait = until > w->now ? until - w->now : 0;
        ts.tv_sec = (time_t)(wait / NS_PER_S);
        ts.tv_nsec = (long)(wait % NS_PER_S);
        n = epoll_pwait2(w->ep, evs, MAX_EVENTS, &ts, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(w->fatal, sizeof(w->fatal), "epoll_pwait2: %s", strerror(errno));
            break;
        }
        w->now = mono();
        for (int i = 0; i < n; i++)
            dispatch(w, &evs[i]);
        flush_dirty(w);
    }
    for (unsigned i = 0; i < w->n; i++) {
        struct conn *c = &w->conns[i];
        uint32_t left = c->tail - c->head;

        if (left > 0)
            note_error(w, E_UNFINISHED, left,
                       "%" PRIu32 " requests still unanswered when the run ended", left);
        conn_close(c);
        free(c->ring);
        c->ring = NULL;
    }
    return NULL;
}

/* ---- setup ------------------------------------------------------------- */

static bool retryable(int err)
{
    return err == ECONNREFUSED || err == EAGAIN || err == ETIMEDOUT || err == EADDRNOTAVAIL ||
           err == ECONNRESET || err == EINTR;
}

/* One connection that could not be opened before the run. */
static void connect_fail(char *first, size_t firstlen, uint64_t *failed, int err)
{
    if (first[0] == '\0')
        snprintf(first, firstlen, "connect to %s:%u: %s", cfg.host, cfg.port, strerror(err));
    (*failed)++;
}

/* Opens n connections before the run, CONNECT_BATCH at a time so that the
 * server's accept queue is not overrun; refused or timed-out ones are
 * retried a few times, each round after a longer pause. fds[i] gets the
 * socket or -1. Returns how many connected; *failed counts the others and
 * first describes the first failure. */
static unsigned connect_all(int *fds, unsigned n, uint64_t *failed, char *first, size_t firstlen)
{
    unsigned *todo = malloc((size_t)n * sizeof(*todo)), *again = malloc((size_t)n * sizeof(*again));
    struct pollfd *pfd = malloc(CONNECT_BATCH * sizeof(*pfd));
    unsigned slot[CONNECT_BATCH];
    unsigned ntodo = n, nagain, ok = 0;
    uint64_t deadline = mono() + CONNECT_PHASE_NS;
    int last_err = 0;

    *failed = 0;
    for (unsigned i = 0; i < n; i++) {
        fds[i] = -1;
        if (todo != NULL)
            todo[i] = i;
    }
    if (todo == NULL || again == NULL || pfd == NULL) {
        snprintf(first, firstlen, "out of memory");
        *failed = n;
        free(todo);
        free(again);
        free(pfd);
        return 0;
    }
    for (int round = 0; round < CONNECT_ROUNDS && ntodo > 0; round++) {
        nagain = 0;
        for (unsigned b = 0; b < ntodo; b += CONNECT_BATCH) {
            unsigned nb = 0, pending = 0;

            for (unsigned i = b; i < ntodo && i < b + CONNECT_BATCH; i++) {
                int fd = socket(cfg.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                int err;

                if (fd < 0) {
                    connect_fail(first, firstlen, failed, errno);
                    continue;
                }
                if (connect(fd, (const struct sockaddr *)&cfg.addr, cfg.addrlen) < 0 &&
                    errno != EINPROGRESS) {
                    err = errno;
                    close(fd);
                    last_err = err;
                    if (retryable(err))
                        again[nagain++] = todo[i];
                    else
                        connect_fail(first, firstlen, failed, err);
                    continue;
                }
                pfd[nb] = (struct pollfd){.fd = fd, .events = POLLOUT};
                slot[nb++] = todo[i];
                pending++;
            }
            while (pending > 0) {
                int r = poll(pfd, nb, CONNECT_WAIT_MS);

                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0 || mono() > deadline) { /* the rest took too long */
                    for (unsigned i = 0; i < nb; i++) {
                        if (pfd[i].fd >= 0) {
                            close(pfd[i].fd);
                            pfd[i].fd = -1;
                            last_err = ETIMEDOUT;
                            again[nagain++] = slot[i];
                        }
                    }
                    break;
                }
                for (unsigned i = 0; i < nb; i++) {
                    int err;

                    if (pfd[i].fd < 0 || pfd[i].revents == 0)
                        continue;
                    err = -net_socket_error(pfd[i].fd);
                    pending--;
                    if (err == 0) {
                        (void)net_set_nodelay(pfd[i].fd, true);
                        fds[slot[i]] = pfd[i].fd;
                        ok++;
                    } else {
                        close(pfd[i].fd);
                        last_err = err;
                        if (retryable(err))
                            again[nagain++] = slot[i];
                        else
                            connect_fail(first, firstlen, failed, err);
                    }
                    pfd[i].fd = -1; /* poll() skips negative descriptors */
                }
            }
        }
        memcpy(todo, again, (size_t)nagain * sizeof(*todo));
        ntodo = nagain;
        if (ntodo > 0 && round + 1 < CONNECT_ROUNDS && mono() < deadline)
            sleep_until(mono() + (UINT64_C(20) << round) * NS_PER_MS);
        else if (mono() >= deadline)
            break;
    }
    for (unsigned i = 0; i < ntodo; i++)
        connect_fail(first, firstlen, failed, last_err != 0 ? last_err : ETIMEDOUT);
    free(todo);
    free(again);
    free(pfd);
    return ok;
}

/* Raises the soft limit on open files to the hard one; -1 (with a message)
 * if even that is too low for need descriptors. */
static int raise_nofile(uint64_t need)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        fprintf(stderr, PROG ": getrlimit: %s\n", strerror(errno));
        return -1;
    }
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        fprintf(stderr,
                PROG ": %u connections need about %" PRIu64
                     " file descriptors, but the hard limit is %llu (ulimit -Hn)\n",
                cfg.connections, need, (unsigned long long)rl.rlim_max);
        return -1;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return 0;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        fprintf(stderr, PROG ": setrlimit(RLIMIT_NOFILE): %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* Resolves --host and picks the first of its addresses that accepts a
 * connection (a name such as localhost may give ::1 first while the server
 * listens on 127.0.0.1 only). Returns 0, or -1 with a message. */
static int resolve_and_probe(void)
{
    struct addrinfo hints, *res;
    char service[16], why[200] = "";
    uint64_t failed;
    int rc, fd;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%u", cfg.port);
    rc = getaddrinfo(cfg.host, service, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, PROG ": cannot resolve '%s': %s\n", cfg.host, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(cfg.addr))
            continue;
        memcpy(&cfg.addr, ai->ai_addr, ai->ai_addrlen);
        cfg.addrlen = ai->ai_addrlen;
        cfg.family = ai->ai_family;
        why[0] = '\0';
        if (connect_all(&fd, 1, &failed, why, sizeof(why)) == 1) {
            close(fd);
            freeaddrinfo(res);
            return 0;
        }
    }
    freeaddrinfo(res);
    fprintf(stderr, PROG ": cannot connect: %s\n", why[0] != '\0' ? why : "no usable address");
    return -1;
}

/* Parses a number of seconds in (lo, hi] (or [lo, hi] when lo_ok). */
static int parse_seconds(const char *name, const char *s, double lo, bool lo_ok, double hi,
                         double *out, char *err, size_t errlen)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= lo) || (!lo_ok && v == lo) || !(v <= hi)) {
        snprintf(err, errlen, "--%s: expected a number %s%g..%g, got '%s'", name,
                 lo_ok ? "" : "above ", lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static const char summary[] =
    "Puts load on an HTTP, echo or RESP server and reports throughput and latency.\n"
    "Closed loop (no --rate): each connection keeps --pipeline requests in flight;\n"
    "latency runs from each request's send. Open loop (--rate R): request k is due at\n"
    "t0 + k/R and is sent then even if earlier ones are unanswered; latency runs from\n"
    "the due time, so a slow server cannot hide its stalls (no coordinated omission).\n"
    "Counts cover the whole run; rps, latency, window_sent and late_sends (sent >1 ms\n"
    "after due) only the requests due (open) or sent (closed) in the measured window\n"
    "after --warmup; the late share is late_sends / window_sent. Exit status: 0\n"
    "when the run measured (errors are reported, not fatal), 1 when it could not\n"
    "(e.g. no connection), 2 on a usage error.";

int main(int argc, char **argv)
{
    const char *proto_s = NULL, *rate_s = NULL, *dur_s = "5", *warm_s = "0.5", *timeout_s = "10";
    const char *op_s = NULL, *path_s = NULL, *host = "127.0.0.1";
    unsigned port = 0, connections = 1, pipeline = 0, threads = 1, keyspace = 0;
    size_t size = 0, value_size = SIZE_MAX;
    bool close_f = false, json = false, help = false;
    const struct args_opt opts[] = {
        {"proto", ARGS_STRING, &proto_s, 0, 0, "P", "http, echo or resp (required)"},
        {"host", ARGS_STRING, &host, 0, 0, "HOST", "server address (default 127.0.0.1)"},
        {"port", ARGS_UINT, &port, 1, 65535, "PORT", "server port (required)"},
        {"connections", ARGS_UINT, &connections, 1, 1000000, "N", "connections (default 1)"},
        {"rate", ARGS_STRING, &rate_s, 0, 0, "R",
         "open loop at R requests/s in all (default: closed loop)"},
        {"pipeline", ARGS_UINT, &pipeline, 1, 4096, "D",
         "closed loop: requests in flight per connection (default 1)"},
        {"duration", ARGS_STRING, &dur_s, 0, 0, "S", "measured seconds (default 5)"},
        {"warmup", ARGS_STRING, &warm_s, 0, 0, "S", "unmeasured seconds first (default 0.5)"},
        {"threads", ARGS_UINT, &threads, 1, 256, "T",
         "event-loop threads, at most one per connection (default 1)"},
        {"timeout", ARGS_STRING, &timeout_s, 0, 0, "S",
         "an answer not complete S s after due/sent is an error (default 10)"},
        {"path", ARGS_STRING, &path_s, 0, 0, "PATH", "http: request target (default /index.html)"},
        {"close", ARGS_FLAG, &close_f, 0, 0, NULL,
         "http, closed loop: one request per connection (connect time counts)"},
        {"size", ARGS_SIZE, &size, 1, MSG_MAX, "B", "echo: message size, checked (default 64)"},
        {"op", ARGS_STRING, &op_s, 0, 0, "OP", "resp: get, set or ping (default get)"},
        {"keyspace", ARGS_UINT, &keyspace, 1, UINT_MAX, "K",
         "resp: keys key:0..key:K-1, fixed-seed random (default 100000)"},
        {"value-size", ARGS_SIZE, &value_size, 0, MSG_MAX, "B",
         "resp: bytes of a SET's value (default 32)"},
        {"json", ARGS_FLAG, &json, 0, 0, NULL, "print one JSON line instead of a summary"},
        {"help", ARGS_FLAG, &help, 0, 0, NULL, "print this help and exit"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    char err[256] = "";
    struct worker **workers;
    struct hist *total;
    int *fds;
    unsigned nconn;
    uint64_t cerr_initial = 0;
    char cerr_first[200] = "";

    if (args_parse(argc, argv, opts, err, sizeof(err)) < 0)
        goto usage;
    if (help) {
        args_usage(stdout, PROG, summary, opts);
        return 0;
    }
    if (proto_s == NULL) {
        snprintf(err, sizeof(err), "--proto is required (http, echo or resp)");
        goto usage;
    }
    if (strcmp(proto_s, "http") == 0) {
        cfg.proto = P_HTTP;
    } else if (strcmp(proto_s, "echo") == 0) {
        cfg.proto = P_ECHO;
    } else if (strcmp(proto_s, "resp") == 0) {
        cfg.proto = P_RESP;
    } else {
        snprintf(err, sizeof(err), "--proto: expected http, echo or resp, got '%s'", proto_s);
        goto usage;
    }
    if (port == 0) {
        snprintf(err, sizeof(err), "--port is required");
        goto usage;
    }
    if (parse_seconds("duration", dur_s, 0, false, 1e6, &cfg.duration, err, sizeof(err)) < 0 ||
        parse_seconds("warmup", warm_s, 0, true, 1e6, &cfg.warmup, err, sizeof(err)) < 0 ||
        parse_seconds("timeout", timeout_s, 0, false, 1e5, &cfg.timeout, err, sizeof(err)) < 0)
        goto usage;
    if (rate_s != NULL) {
        if (parse_seconds("rate", rate_s, 0, false, 1e8, &cfg.rate, err, sizeof(err)) < 0)
            goto usage;
        cfg.open = true;
        cfg.period_ns = 1e9 / cfg.rate;
        if (pipeline != 0) {
            snprintf(err, sizeof(err),
                     "--pipeline is for the closed loop (without --rate): an open loop pipelines "
                     "as its schedule demands");
            goto usage;
        }
    }
    if (close_f && (cfg.proto != P_HTTP || cfg.open || pipeline > 1)) {
        snprintf(err, sizeof(err),
                 "--close is for --proto http in the closed loop (no --rate), one request per "
                 "connection (no --pipeline)");
        goto usage;
    }
    if (path_s != NULL && cfg.proto != P_HTTP) {
        snprintf(err, sizeof(err), "--path is for --proto http");
        goto usage;
    }
    if (size != 0 && cfg.proto != P_ECHO) {
        snprintf(err, sizeof(err), "--size is for --proto echo");
        goto usage;
    }
    if ((op_s != NULL || keyspace != 0 || value_size != SIZE_MAX) && cfg.proto != P_RESP) {
        snprintf(err, sizeof(err), "--op, --keyspace and --value-size are for --proto resp");
        goto usage;
    }
    if (path_s == NULL)
        path_s = "/index.html";
    if (path_s[0] != '/' || strlen(path_s) > 2048 || strpbrk(path_s, " \t\r\n") != NULL) {
        snprintf(err, sizeof(err), "--path: expected /..., at most 2048 bytes without spaces");
        goto usage;
    }
    cfg.op = OP_GET;
    if (op_s != NULL) {
        if (strcmp(op_s, "get") == 0) {
            cfg.op = OP_GET;
        } else if (strcmp(op_s, "set") == 0) {
            cfg.op = OP_SET;
        } else if (strcmp(op_s, "ping") == 0) {
            cfg.op = OP_PING;
        } else {
            snprintf(err, sizeof(err), "--op: expected get, set or ping, got '%s'", op_s);
            goto usage;
        }
    }
    cfg.host = host;
    cfg.port = port;
    cfg.connections = connections;
    cfg.pipeline = pipeline == 0 ? 1 : pipeline;
    cfg.close_mode = close_f;
    cfg.size = size == 0 ? 64 : size;
    cfg.keyspace = keyspace == 0 ? 100000 : keyspace;
    cfg.value_size = value_size == SIZE_MAX ? 32 : value_size;
    cfg.timeout_ns = (uint64_t)(cfg.timeout * 1e9);
    cfg.threads = threads < connections ? threads : connections;
    {
        int n = snprintf(
            cfg.http_req, sizeof(cfg.http_req),
            "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: " PROG "\r\nAccept: */*\r\n%s\r\n",
            path_s, strchr(host, ':') != NULL ? "[" : "", host,
            strchr(host, ':') != NULL ? "]" : "", port, close_f ? "Connection: close\r\n" : "");

        if (n < 0 || (size_t)n >= sizeof(cfg.http_req) || strpbrk(host, "\r\n") != NULL) {
            snprintf(err, sizeof(err), "--host: too long or not a host name");
            goto usage;
        }
        cfg.http_len = (size_t)n;
    }
    {
        /* Each connection may hold this many outstanding requests: a share
         * of RING_BUDGET, at least 64 and --pipeline, a power of two. */
        uint32_t share = RING_BUDGET / connections, m = 64;

        if (share > RING_CONN_MAX)
            share = RING_CONN_MAX;
        while (m < share || m < cfg.pipeline)
            m *= 2;
        cfg.ring_max = m;
    }

    if (raise_nofile((uint64_t)connections + 2u * cfg.threads + FD_SPARE) < 0)
        return 1;
    if (resolve_and_probe() < 0)
        return 1;

    /* Connect first, so that the warmup and the window see only requests.
     * With --close every request makes its own connection: the probe
     * above showed the server is there. */
    nconn = connections;
    fds = malloc((size_t)connections * sizeof(*fds));
    if (fds == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    if (close_f) {
        for (unsigned i = 0; i < connections; i++)
            fds[i] = -1;
    } else {
        unsigned ok = connect_all(fds, connections, &cerr_initial, cerr_first, sizeof(cerr_first));
        unsigned k = 0;

        if (ok == 0) {
            fprintf(stderr, PROG ": cannot connect: %s\n", cerr_first);
            free(fds);
            return 1;
        }
        if (ok < connections)
            fprintf(stderr, PROG ": only %u of %u connections opened (first failure: %s)\n", ok,
                    connections, cerr_first);
        for (unsigned i = 0; i < connections; i++) {
            if (fds[i] >= 0)
                fds[k++] = fds[i];
        }
        nconn = ok;
        if (cfg.threads > nconn)
            cfg.threads = nconn;
    }

    /* Connection g belongs to worker g mod T. */
    cfg.nconn = nconn;
    workers = calloc(cfg.threads, sizeof(*workers));
    total = calloc(1, sizeof(*total));
    if (workers == NULL || total == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    for (unsigned t = 0; t < cfg.threads; t++) {
        struct worker *w = calloc(1, sizeof(*w));
        unsigned n = nconn / cfg.threads + (t < nconn % cfg.threads ? 1 : 0);

        if (w == NULL || (w->conns = calloc(n, sizeof(*w->conns))) == NULL ||
            (w->dirty = calloc(n, sizeof(*w->dirty))) == NULL) {
            fprintf(stderr, PROG ": out of memory\n");
            return 1;
        }
        workers[t] = w;
        w->idx = t;
        w->n = n;
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        if (w->ep < 0) {
            fprintf(stderr, PROG ": epoll_create1: %s\n", strerror(errno));
            return 1;
        }
        for (unsigned i = 0; i < n; i++) {
            struct conn *c = &w->conns[i];
            uint32_t g = i * cfg.threads + t;

            c->id = g;
            c->local = i;
            c->rng = UINT64_C(0x6f736e65746c6f61) ^ ((uint64_t)g << 20);
            c->fd = fds[g];
            c->state = c->fd >= 0 ? C_UP : C_DOWN;
            if (c->fd >= 0) {
                struct epoll_event ev = {.events = EPOLLIN};

                c->gen = 1;
                ev.data.u64 = (uint64_t)c->gen << 32 | c->local;
                if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
                    fprintf(stderr, PROG ": epoll_ctl: %s\n", strerror(errno));
                    return 1;
                }
            }
        }
    }
    free(fds);

    cfg.t0 = mono() + START_DELAY_NS;
    cfg.w = cfg.t0 + (uint64_t)(cfg.warmup * 1e9);
    cfg.e = cfg.w + (uint64_t)(cfg.duration * 1e9);
    cfg.drain_end = cfg.e + (cfg.timeout_ns < DRAIN_MAX_NS ? cfg.timeout_ns : DRAIN_MAX_NS);
    for (unsigned t = 0; t < cfg.threads; t++) {
        int rc = pthread_create(&workers[t]->tid, NULL, worker_main, workers[t]);

        if (rc != 0) {
            fprintf(stderr, PROG ": pthread_create: %s\n", strerror(rc));
            return 1;
        }
    }

    {
        uint64_t sent = 0, wsent = 0, completed = 0, window = 0, late = 0, errors = 0;
        uint64_t cerrs = cerr_initial, kinds[E_KINDS] = {0};
        const char *first = NULL, *cfirst = cerr_first[0] != '\0' ? cerr_first : NULL;
        uint64_t first_at = UINT64_MAX, cfirst_at = UINT64_MAX;
        const char *fatal = NULL;
        double dur = (double)(cfg.e - cfg.w) / 1e9, rps;
        double q[4] = {0}, mean = 0, max = 0;
        static const double qs[4] = {0.50, 0.90, 0.99, 0.999};

        for (unsigned t = 0; t < cfg.threads; t++) {
            struct worker *w = workers[t];

            pthread_join(w->tid, NULL);
            sent += w->sent;
            wsent += w->window_sent;
            completed += w->completed;
            window += w->window_completed;
            late += w->late;
            errors += w->errors;
            cerrs += w->connect_errors;
            for (int k = 0; k < E_KINDS; k++)
                kinds[k] += w->kinds[k];
            if (w->first_err[0] != '\0' && w->first_err_at < first_at) {
                first = w->first_err;
                first_at = w->first_err_at;
            }
            if (cerr_first[0] == '\0' && w->first_cerr[0] != '\0' && w->first_cerr_at < cfirst_at) {
                cfirst = w->first_cerr;
                cfirst_at = w->first_cerr_at;
            }
            if (w->fatal[0] != '\0')
                fatal = w->fatal;
            hist_merge(total, &w->hist);
        }
        if (fatal != NULL) {
            fprintf(stderr, PROG ": %s\n", fatal);
            return 1;
        }
        rps = (double)window / dur;
        if (total->n > 0) {
            for (int k = 0; k < 4; k++)
                q[k] = hist_quantile(total, qs[k]) / 1e6;
            mean = total->sum / (double)total->n / 1e6;
            max = (double)total->max / 1e6;
        }
        if (json) {
            printf("{\"proto\": \"%s\", \"mode\": \"%s\", \"connections\": %u, ", proto_s,
                   cfg.open ? "open" : "closed", nconn);
            if (cfg.open)
                printf("\"rate\": %.17g, \"pipeline\": null, ", cfg.rate);
            else
                printf("\"rate\": null, \"pipeline\": %u, ", cfg.pipeline);
            printf("\"threads\": %u, \"duration_s\": %.6f, \"sent\": %" PRIu64
                   ", \"window_sent\": %" PRIu64 ", \"completed\": %" PRIu64
                   ", \"errors\": %" PRIu64 ", \"connect_errors\": %" PRIu64
                   ", \"rps\": %.3f, \"late_sends\": %" PRIu64 ", ",
                   cfg.threads, dur, sent, wsent, completed, errors, cerrs, rps, late);
            if (total->n > 0)
                printf("\"latency_ms\": {\"p50\": %.6f, \"p90\": %.6f, \"p99\": %.6f, \"p999\": "
                       "%.6f, \"max\": %.6f, \"mean\": %.6f, \"samples\": %" PRIu64 "}, ",
                       q[0], q[1], q[2], q[3], max, mean, total->n);
            else
                printf("\"latency_ms\": {\"p50\": null, \"p90\": null, \"p99\": null, \"p999\": "
                       "null, \"max\": null, \"mean\": null, \"samples\": 0}, ");
            printf("\"error_kinds\": {");
            for (int k = 0; k < E_KINDS; k++)
                printf("%s\"%s\": %" PRIu64, k > 0 ? ", " : "", ekind_names[k], kinds[k]);
            printf("}, \"first_error\": ");
            if (first == NULL) {
                printf("null");
            } else {
                putchar('"');
                for (const char *s = first; *s != '\0'; s++) {
                    if (*s == '"' || *s == '\\')
                        printf("\\%c", *s);
                    else if ((unsigned char)*s < 0x20)
                        printf("\\u%04x", (unsigned char)*s);
                    else
                        putchar(*s);
                }
                putchar('"');
            }
            printf("}\n");
        } else {
            printf("%s, %s loop, %u connection%s, %u thread%s, ", proto_s,
                   cfg.open ? "open" : "closed", nconn, nconn == 1 ? "" : "s", cfg.threads,
                   cfg.threads == 1 ? "" : "s");
            if (cfg.open)
                printf("%.10g req/s scheduled, ", cfg.rate);
            else
                printf("pipeline %u%s, ", cfg.pipeline,
                       cfg.close_mode ? " (a connection each)" : "");
            printf("%.3f s measured after %.3f s warmup\n", dur, cfg.warmup);
            printf("  requests  sent %" PRIu64 ", completed %" PRIu64 ", errors %" PRIu64
                   ", connect errors %" PRIu64,
                   sent, completed, errors, cerrs);
            printf("\n  in the window  sent %" PRIu64, wsent);
            if (cfg.open)
                printf(", of them sent late (>1 ms after due) %" PRIu64 " (%.1f%%)", late,
                       wsent > 0 ? 100.0 * (double)late / (double)wsent : 0.0);
            printf("\n  throughput %.1f req/s\n", rps);
            if (total->n > 0)
                printf("  latency ms  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean "
                       "%.3f  (%" PRIu64 " samples)\n",
                       q[0], q[1], q[2], q[3], max, mean, total->n);
            else
                printf("  latency: no request completed in the window\n");
        }
        if (fflush(stdout) != 0) {
            fprintf(stderr, PROG ": writing the results: %s\n", strerror(errno));
            return 1;
        }
        if (errors > 0) {
            fprintf(stderr, PROG ": %" PRIu64 " errors (", errors);
            for (int k = 0, sep = 0; k < E_KINDS; k++) {
                if (kinds[k] > 0)
                    fprintf(stderr, "%s%s %" PRIu64, sep++ ? ", " : "", ekind_names[k], kinds[k]);
            }
            fprintf(stderr, "); first: %s\n", first != NULL ? first : "?");
        }
        if (cerrs > 0)
            fprintf(stderr, PROG ": %" PRIu64 " failed connects; first: %s\n", cerrs,
                    cfirst != NULL ? cfirst : "?");
        for (unsigned t = 0; t < cfg.threads; t++) {
            close(workers[t]->ep);
            free(workers[t]->conns);
            free(workers[t]->dirty);
            free(workers[t]);
        }
        free(workers);
        free(total);
    }
    return 0;

usage:
    fprintf(stderr, PROG ": %s (try --help)\n", err);
    return 2;
}
