/* The kv server's connections, request loop, replies and timer: see
 * server.h for the design, commands.c for what each command does.
 *
 * One turn of the event loop, in order:
 *   1. each client epoll reported is read once (level-triggered epoll
 *      reports it again while more waits, so a busy client cannot hold the
 *      loop), and every complete request in its input buffer is run, unless
 *      its output is over the high-water mark (it pipelines without
 *      reading: stop, and stop reading too, until the output drains). A
 *      client that got output (its replies, or a message a PUBLISH
 *      brought) goes on the pending list; nothing is sent yet;
 *   2. settle, once, in the loop's before-wait hook: write the AOF records
 *      all those requests logged (one write(2) for the whole turn), then
 *      send the replies of the clients on the pending list (each as much
 *      as the kernel takes without blocking), then free the clients marked
 *      to go. After SIGTERM ends the loop, the same step runs once more,
 *      for the callbacks of the turn the signal arrived in.
 * Step 2's order is the durability rule: a change reaches the kernel (and
 * with appendfsync always, the disk: commands.c syncs before it commits)
 * before anyone hears of it. Doing it once per turn rather than once per
 * client is redis's beforeSleep: fifty clients' SETs cost one write. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "commands.h"
#include "db.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "sig.h"

/* Input: redis's client-query-buffer-limit, 1 GiB. Each bulk may be 512
 * MiB, so one request may hold more than one of them (MSET a <300 MiB> b
 * <300 MiB> is legal); a client whose unrun input passes 1 GiB is closed,
 * as redis closes it, with a warning in the log. */
#define IN_MAX ((size_t)1024 * 1024 * 1024)
#define FIRST_READ (16 * 1024) /* into an empty buffer: most requests are small */
#define READ_CHUNK (64 * 1024) /* into a buffer holding part of a request */
/* A normal client with more output than this waiting is not read or run
 * until it drains (redis has no limit there; an unbounded buffer would let
 * one client that never reads eat the memory). */
#define OUT_HIGH_WATER (1024 * 1024)
/* Room made before each request: every error reply fits, so a command can
 * always answer "-OOM out of memory" instead of half a reply. */
#define REPLY_RESERVE 512
#define LINGER_MS 2000           /* how long a closing client's input is drained */
#define EXPIRE_PER_TICK 1000     /* keys deleted per timer tick at most */
/* Descriptors kept for other uses than clients (listener, epoll, timer,
 * signalfd, the AOF and its lock, logs), as redis's
 * CONFIG_MIN_RESERVED_FDS. */
#define RESERVED_FDS 32
#define AOF_NAME "appendonly.aof"

static const char maxclients_line[] = "-ERR max number of clients reached\r\n";

int64_t server_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic milliseconds: idleness and lingering are durations, which a
 * change of the wall clock must not stretch or cut. */
static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- client bookkeeping ---- */

void client_kill(struct client *c, const char *why)
{
    struct server *s = c->srv;

    if (c->flags & CLIENT_DEAD)
        return;
    log_debug("client %llu (fd %d): closing: %s", (unsigned long long)c->id, c->fd, why);
    c->flags |= CLIENT_DEAD;
    c->dead_next = s->dead;
    s->dead = c;
}

void client_mark_dirty(struct client *c)
{
    struct server *s = c->srv;

    if (c->dirty)
        return;
    c->dirty = true;
    c->dirty_next = s->dirty;
    s->dirty = c;
}

/* Unlinks and frees a client marked dead. */
static void client_destroy(struct client *c)
{
    struct server *s = c->srv;

    pubsub_drop(s->pubsub, c);
    loop_remove(s->loop, c->fd);
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nclients--;
    if (c->flags & CLIENT_LINGER)
        s->nlinger--;
    resp_parser_free(&c->parser);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

/* Sets c's epoll interest from its state: read while it may send requests
 * (not paused by its output, not stalled, not closing), or while lingering;
 * watch EPOLLOUT while output waits and is not held. */
static void client_update_mask(struct client *c)
{
    uint32_t want = 0;
    int rc;

    if (c->flags & CLIENT_DEAD)
        return;
    if (c->flags & CLIENT_LINGER) {
        want = EPOLLIN;
    } else {
        if (!(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_STALLED | CLIENT_EOF)) &&
            buf_len(&c->out) < OUT_HIGH_WATER)
            want |= EPOLLIN;
        if (buf_len(&c->out) > 0 && !(c->flags & CLIENT_HELD))
            want |= EPOLLOUT;
    }
    if (want == c->mask)
        return;
    rc = loop_modify(c->srv->loop, c->fd, want);
    if (rc < 0) {
        log_warn("fd %d: epoll_ctl: %s", c->fd, strerror(-rc));
        client_kill(c, "epoll_ctl failed");
        return;
    }
    c->mask = want;
}

/* All replies of a closing client are sent: stop writing (FIN) and read
 * and drop what it still sends, so the close does not turn into an RST
 * that could destroy those replies in its kernel before it reads them. A
 * peer that already closed its side is simply closed. */
static void client_start_linger(struct client *c)
{
    if (c->flags & CLIENT_EOF) {
        client_kill(c, "end of input, replies sent");
        return;
    }
    shutdown(c->fd, SHUT_WR);
    c->flags |= CLIENT_LINGER;
    c->srv->nlinger++; /* on its way out: no longer counts for --maxclients */
    c->linger_until = mono_ms() + LINGER_MS;
    buf_free(&c->in);
}

/* Sends what the kernel takes of c's output (unless it is held for the
 * AOF), then updates its interest. A send error closes c. Called only by
 * server_settle, after the AOF flush. */
static void client_send(struct client *c)
{
    if (c->flags & (CLIENT_DEAD | CLIENT_LINGER))
        return;
    while (buf_len(&c->out) > 0 && !(c->flags & CLIENT_HELD)) {
        ssize_t n = send(c->fd, buf_peek(&c->out), buf_len(&c->out), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            log_debug("fd %d: send: %s", c->fd, strerror(errno));
            client_kill(c, "send failed");
            return;
        }
        buf_consume(&c->out, (size_t)n);
        c->last_active = mono_ms();
    }
    if (buf_len(&c->out) == 0) {
        buf_free(&c->out); /* an idle client holds no output memory */
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
            client_start_linger(c);
    }
    client_update_mask(c);
}

/* ---- replies ---- */

static void reply_rc(struct client *c, int rc)
{
    if (rc < 0 && c->reply_err == 0)
        c->reply_err = rc;
}

void reply_ok(struct client *c)
{
    reply_simple(c, "OK");
}

void reply_simple(struct client *c, const char *str)
{
    if (c->reply_err == 0)
        reply_rc(c, resp_write_simple(&c->out, str));
}

void reply_error(struct client *c, const char *msg)
{
    if (c->reply_err == 0)
        reply_rc(c, resp_write_error(&c->out, msg));
}

void reply_errorf(struct client *c, const char *fmt, ...)
{
    char msg[REPLY_RESERVE - 8];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply_error(c, msg);
}

void reply_int(struct client *c, long long v)
{
    if (c->reply_err == 0)
        reply_rc(c, resp_write_int(&c->out, v));
}

void reply_bulk(struct client *c, const void *p, size_t n)
{
    if (c->reply_err == 0)
        reply_rc(c, resp_write_bulk(&c->out, p, n));
}

void reply_cstr(struct client *c, const char *str)
{
    reply_bulk(c, str, strlen(str));
}

void reply_null(struct client *c)
{
    if (c->reply_err == 0)
        reply_rc(c, resp_write_null(&c->out));
}

void reply_array(struct client *c, size_t n)
{
    if (c->reply_err == 0)
        reply_rc(c, resp_write_array(&c->out, n));
}

int reply_reserve(struct client *c, size_t n)
{
    char *tail;
    size_t avail;

    return buf_reserve(&c->out, n, &tail, &avail);
}

void reply_misconf(struct client *c, int err)
{
    reply_errorf(c, "MISCONF Errors writing to the AOF file: %s", strerror(-err));
}

int server_log(struct client *c, size_t argc, const char *const *argv, const size_t *lens)
{
    struct server *s = c->srv;
    int rc;

    if (s->aof == NULL)
        return 0;
    rc = aof_append(s->aof, argc, argv, lens);
    if (rc < 0)
        return rc;
    if (s->cfg->appendfsync == AOF_FSYNC_ALWAYS) {
        rc = aof_flush(s->aof);
        if (rc < 0) {
            log_warn("AOF write failed: %s; the change is refused", strerror(-rc));
            aof_discard(s->aof);
            return rc;
        }
        return 0;
    }
    /* Written by settle with the rest of the turn's records, before any
     * reply is sent. */
    c->flags |= CLIENT_WROTE;
    return 0;
}

/* ---- requests ---- */

/* Out of memory at a point where nothing was consumed: the client waits
 * (not read, not run) and the timer tries again. */
static void client_stall(struct client *c)
{
    c->flags |= CLIENT_STALLED;
    c->srv->retry_pending = true;
}

/* Runs one parsed request (c->parser.argv). A reply that could not be
 * written whole is replaced by the OOM error: the room for it was made
 * before parsing. */
static void client_run(struct client *c)
{
    c->argv = c->parser.argv;
    c->argc = c->parser.argc;
    c->reply_mark = buf_len(&c->out);
    c->reply_err = 0;
    command_run(c);
    if (c->reply_err != 0) {
        buf_truncate(&c->out, c->reply_mark); /* drop the partial reply */
        c->reply_err = 0;
        reply_error(c, ERR_OOM);
    }
    c->argv = NULL;
    c->argc = 0;
}

/* May c's next request run now? Not once it is closing or stalled, nor
 * while its replies are piling up unread. */
static bool client_may_run(const struct client *c)
{
    return !(c->flags & (CLIENT_DEAD | CLIENT_CLOSE_AFTER_REPLY | CLIENT_STALLED)) &&
           buf_len(&c->out) < OUT_HIGH_WATER;
}

/* Runs every complete request in c's input buffer (as many as it may). */
static void client_process(struct client *c)
{
    bool drained = false; /* stopped because no complete request is left */

    while (client_may_run(c)) {
        size_t len = buf_len(&c->in);
        ssize_t n;

        if (len == 0) {
            drained = true;
            break;
        }
        if (reply_reserve(c, REPLY_RESERVE) < 0) {
            client_stall(c);
            break;
        }
        n = resp_parse(&c->parser, buf_peek(&c->in), len);
        if (n == -2) {
            drained = true;
            break;
        }
        if (n == -ENOMEM) {
            client_stall(c);
            break;
        }
        if (n == -1) {
            /* Replies to the requests before it go first, then this one,
             * then the connection is closed, as redis does. */
            log_debug("fd %d: %s", c->fd, c->parser.error);
            reply_errorf(c, "ERR %s", c->parser.error);
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            break;
        }
        if (c->parser.argc > 0)
            client_run(c);
        buf_consume(&c->in, (size_t)n);
    }
    if (buf_len(&c->in) == 0)
        buf_free(&c->in); /* an idle client holds no input memory */
    if (drained && (c->flags & CLIENT_EOF))
        c->flags |= CLIENT_CLOSE_AFTER_REPLY; /* nothing more will come */
    client_mark_dirty(c); /* send, and update its interest, at settle */
}

/* Called after c's output was sent: if that brought it back under the
 * high-water mark, runs what it sent meanwhile (and notices the end of its
 * input). paused is whether it could not run before the send. */
static void client_resume(struct client *c, bool paused)
{
    if (paused && client_may_run(c) && (buf_len(&c->in) > 0 || (c->flags & CLIENT_EOF)))
        client_process(c);
}

/* Reads once into c's input buffer and runs what is complete. */
static void client_read(struct client *c)
{
    struct server *s = c->srv;
    size_t len = buf_len(&c->in), want = len > 0 ? READ_CHUNK : FIRST_READ, avail;
    char *tail;
    ssize_t n;
    int rc;

    if (c->flags & CLIENT_LINGER) {
        if (net_drain(c->fd, s->scratch, sizeof(s->scratch)) < 0)
            client_kill(c, "closed after its last reply");
        return;
    }
    if (c->flags & CLIENT_EOF) {
        /* Not watched for input any more: this is EPOLLHUP or EPOLLERR,
         * the connection is gone both ways. */
        client_kill(c, "hung up");
        return;
    }
    if (len >= IN_MAX) {
        /* A full query buffer and still no complete request. */
        log_warn("client %llu (fd %d): closing, it reached the query buffer limit (%zu bytes "
                 "of input not yet run)",
                 (unsigned long long)c->id, c->fd, len);
        client_kill(c, "query buffer limit reached");
        return;
    }
    if (want > IN_MAX - len)
        want = IN_MAX - len; /* up to the limit exactly */
    rc = buf_reserve(&c->in, want, &tail, &avail);
    if (rc < 0) {
        client_stall(c);
        client_mark_dirty(c);
        return;
    }
    n = recv(c->fd, tail, avail, 0);
    if (n > 0) {
        buf_commit(&c->in, (size_t)n);
        c->last_active = mono_ms();
        client_process(c);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n < 0) {
        log_debug("fd %d: recv: %s", c->fd, strerror(errno));
        client_kill(c, "recv failed");
        return;
    }
    /* End of input: answer what came before it (a request left incomplete
     * never will be), then close. */
    c->flags |= CLIENT_EOF;
    client_process(c);
}

/* ---- settling, once per turn of the loop ---- */

/* After the AOF caught up: the replies held for it may go. */
static void release_held(struct server *s)
{
    for (struct client *c = s->clients; c != NULL; c = c->next) {
        if (c->flags & (CLIENT_HELD | CLIENT_WROTE)) {
            c->flags &= ~(CLIENT_HELD | CLIENT_WROTE);
            client_mark_dirty(c);
        }
    }
}

/* Writes the AOF records logged since the last flush. Returns 1 when none
 * are left waiting; then, if writes had been failing, the replies held
 * for them are released. */
static int aof_catch_up(struct server *s)
{
    int rc;

    if (s->aof == NULL || (aof_pending(s->aof) == 0 && !s->aof_failing))
        return 1;
    rc = aof_flush(s->aof);
    if (rc == 0 && aof_pending(s->aof) == 0) {
        if (s->aof_failing) {
            log_info("AOF writes work again");
            s->aof_failing = false;
            release_held(s);
        }
        return 1;
    }
    if (!s->aof_failing) {
        log_warn("AOF write failed: %s; holding the replies of the changes not written and "
                 "refusing writes until it works again",
                 strerror(-(rc < 0 ? rc : aof_error(s->aof))));
        s->aof_failing = true;
    }
    return 0;
}

/* The loop's before-wait hook: brings the server to rest after the
 * callbacks of one epoll_wait: AOF first, then the replies of the clients
 * on the pending list, then the clients marked to go. Sending may let
 * paused clients run again, which may log more changes and reach more
 * clients: loop until nothing is left to send. */
static void server_settle(struct loop *loop, void *ctx)
{
    struct server *s = ctx;
    struct client *c, *list;

    (void)loop;
    for (;;) {
        int clean = aof_catch_up(s);
        if (s->dirty == NULL)
            break;
        list = s->dirty;
        s->dirty = NULL;
        while ((c = list) != NULL) {
            list = c->dirty_next;
            c->dirty = false;
            if (c->flags & CLIENT_WROTE) {
                if (clean)
                    c->flags &= ~CLIENT_WROTE;
                else
                    c->flags |= CLIENT_HELD;
            }
            if (c->flags & CLIENT_DEAD)
                continue;
            bool paused = !client_may_run(c);
            client_send(c);
            /* New replies of a client that runs again are sent on the next
             * round, after the AOF. */
            client_resume(c, paused);
        }
    }
    while ((c = s->dead) != NULL) {
        s->dead = c->dead_next;
        client_destroy(c);
    }
}

static void on_client(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct client *c = ctx;

    (void)loop;
    (void)fd;
    /* Writable: sent at settle, like every reply. Sending here could
     * send the reply of a change this turn logged and has not written
     * yet (the timer may have run a stalled client's requests). */
    if ((events & EPOLLOUT) && !(c->flags & CLIENT_DEAD))
        client_mark_dirty(c);
    /* EPOLLHUP and EPOLLERR come whatever the mask; recv() tells which. */
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !(c->flags & CLIENT_DEAD))
        client_read(c);
}

/* ---- accepting ---- */

/* A connection over --maxclients: tell it, as redis does, and let it go
 * (lingering, so the line is not lost to an RST). */
static void client_refuse(struct client *c)
{
    struct server *s = c->srv;

    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    log_debug("fd %d: refused: max number of clients (%u) reached", c->fd, s->maxclients);
    (void)!send(c->fd, maxclients_line, sizeof(maxclients_line) - 1, MSG_NOSIGNAL);
    client_start_linger(c);
    client_update_mask(c);
}

/* Takes a connection from the acceptor. Out of memory: it is closed by the
 * acceptor, which pauses accepting for a moment. */
static int client_open(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct server *s = ctx;
    struct client *c = calloc(1, sizeof(*c));
    int rc;

    (void)peer;
    (void)peer_len;
    if (c == NULL) {
        log_warn("fd %d: no memory for a new client; closing it", fd);
        return -ENOMEM;
    }
    /* Replies go out as soon as they are ready; Nagle would hold a small
     * one until the previous one is acknowledged. */
    net_set_nodelay(fd, true);
    c->srv = s;
    c->fd = fd;
    c->id = ++s->next_id;
    c->mask = EPOLLIN;
    c->last_active = mono_ms();
    buf_init(&c->in, IN_MAX);
    buf_init(&c->out, SIZE_MAX);
    resp_parser_init(&c->parser, NULL);
    rc = loop_add(s->loop, fd, c->mask, on_client, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->next = s->clients;
    if (s->clients != NULL)
        s->clients->prev = c;
    s->clients = c;
    s->nclients++;
    /* Lingering clients (refused, or closing after QUIT or a protocol
     * error) are leaving: redis has already freed them, so they do not
     * count. */
    if (s->nclients - s->nlinger > s->maxclients)
        client_refuse(c);
    else
        log_debug("fd %d: client %llu connected (%zu open)", fd, (unsigned long long)c->id,
                  s->nclients - s->nlinger);
    return 0;
}

/* ---- the timer ---- */

static unsigned tick_ms(const struct server *s)
{
    return 1000 / s->cfg->hz;
}

/* Every 1000/hz ms: active expiry, idle and lingering clients, the AOF's
 * fsync (a retry after an error; everysec's request for the last records)
 * and clients stalled for lack of memory. What it changes is settled by
 * the before-wait hook, like any callback's work. */
static void on_tick(struct loop *loop, void *ctx)
{
    struct server *s = ctx;
    int64_t mono = mono_ms();
    unsigned next = tick_ms(s);
    int rc;

    (void)loop;
    if (db_expire_step(s->db, server_now_ms(), EXPIRE_PER_TICK) == EXPIRE_PER_TICK)
        next = 0; /* more may be due: again at once, after pending events */

    if (mono >= s->next_scan) {
        s->next_scan = mono + tick_ms(s);
        int64_t idle_ms = (int64_t)s->cfg->timeout * 1000;
        for (struct client *c = s->clients; c != NULL; c = c->next) {
            if (c->flags & CLIENT_DEAD)
                continue;
            if (c->flags & CLIENT_LINGER) {
                if (mono >= c->linger_until)
                    client_kill(c, "lingered long enough");
            } else if (idle_ms > 0 && pubsub_count(c) == 0 && mono - c->last_active > idle_ms) {
                client_kill(c, "idle longer than --timeout");
            }
        }
    }

    /* A failed AOF write is retried by settle, after this callback. With
     * nothing waiting to be written, a flush still has work: it retries a
     * failed fsync, and under everysec asks for the sync of records
     * written within a second of the previous request (aof.h). */
    if (s->aof != NULL && aof_pending(s->aof) == 0 && !s->aof_failing)
        (void)aof_flush(s->aof);
    if (s->retry_pending) {
        s->retry_pending = false;
        for (struct client *c = s->clients; c != NULL; c = c->next) {
            if ((c->flags & CLIENT_STALLED) && !(c->flags & CLIENT_DEAD)) {
                c->flags &= ~CLIENT_STALLED;
                client_process(c);
            }
        }
    }
    rc = loop_timer_arm(s->timer, next);
    if (rc < 0)
        log_error("cannot arm the timer: %s", strerror(-rc));
}

/* ---- start and stop ---- */

/* Replays the AOF into the keyspace. Returns 0 or a negative errno,
 * logged. */
static int server_load(struct server *s, const char *path)
{
    off_t torn = 0, bad = 0;
    int rc = aof_load(path, command_apply, s, &torn, &bad);

    if (rc == -EINVAL || rc == -EBADMSG) {
        log_error("%s: not a valid append-only file (%s at byte %lld); refusing to start "
                  "rather than lose what follows",
                  path, rc == -EINVAL ? "bad data" : "a record kv does not know", (long long)bad);
        return rc;
    }
    if (rc < 0) {
        log_error("%s: cannot load: %s", path, strerror(-rc));
        return rc;
    }
    if (torn > 0)
        log_warn("%s: the last record was torn (%lld bytes, a crash while writing it); "
                 "dropped it and loaded everything before it",
                 path, (long long)torn);
    log_info("%s: loaded %zu keys", path, db_size(s->db));
    return 0;
}

/* Makes room for the descriptors maxclients clients need, as redis does:
 * raises the soft RLIMIT_NOFILE toward maxclients + RESERVED_FDS (the hard
 * limit caps it); if that is still short, lowers the effective maxclients
 * to what fits, with a warning. Returns 0, or -EMFILE when not even the
 * reserved descriptors fit (logged). */
static int fit_nofile(struct server *s)
{
    rlim_t want = (rlim_t)s->cfg->maxclients + RESERVED_FDS;
    struct rlimit rl;

    s->maxclients = s->cfg->maxclients;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn("getrlimit(RLIMIT_NOFILE): %s; keeping --maxclients %u", strerror(errno),
                 s->maxclients);
        return 0;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
        else
            log_warn("cannot raise the open files limit to %llu: %s",
                     (unsigned long long)raised.rlim_cur, strerror(errno));
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_cur <= RESERVED_FDS) {
        log_error("the open files limit (%llu) is too low to start; raise 'ulimit -n' to at "
                  "least %llu",
                  (unsigned long long)rl.rlim_cur, (unsigned long long)want);
        return -EMFILE;
    }
    s->maxclients = (unsigned)(rl.rlim_cur - RESERVED_FDS);
    log_warn("--maxclients %u needs %llu open files, the limit is %llu: maxclients reduced to %u "
             "(raise 'ulimit -n' for more)",
             s->cfg->maxclients, (unsigned long long)want, (unsigned long long)rl.rlim_cur,
             s->maxclients);
    return 0;
}

/* Takes an exclusive lock on the AOF at path (creating it), held until
 * server_free: a second kv started with the same --dir must not replay,
 * and so cut the "torn" tail of, a file the first one is writing. Returns
 * 0 or a negative errno, logged. */
static int lock_aof(struct server *s, const char *path)
{
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        int rc = -errno;
        log_error("%s: cannot open: %s", path, strerror(errno));
        return rc;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int rc = -errno;
        if (errno == EWOULDBLOCK)
            log_error("%s: in use by another process (it holds the lock); refusing to start "
                      "on the same --dir",
                      path);
        else
            log_error("%s: cannot lock: %s", path, strerror(errno));
        return rc;
    }
    return 0;
}

int server_start(struct server *s, const struct kv_config *cfg, const uint8_t seed[16])
{
    char path[PATH_MAX];
    int rc;

    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->sig_fd = -1;
    s->lock_fd = -1;
    /* Before the AOF's fsync thread exists: a thread inherits its creator's
     * mask, and SIGTERM sent to the process goes to any thread that does
     * not block it (killing it outright, never reaching the signalfd). */
    rc = sig_block_stop();
    if (rc < 0) {
        log_error("cannot block SIGTERM and SIGINT: %s", strerror(-rc));
        return rc;
    }
    rc = fit_nofile(s);
    if (rc < 0)
        return rc;
    rc = db_create(&s->db, seed);
    if (rc == 0)
        rc = pubsub_create(&s->pubsub, seed);
    if (rc < 0) {
        log_error("cannot create the keyspace: %s", strerror(-rc));
        return rc;
    }
    rc = loop_create(&s->loop);
    if (rc == 0) {
        loop_set_before_wait(s->loop, server_settle, s);
        rc = sig_watch_stop(s->loop, &s->sig_fd);
    }
    if (rc == 0)
        rc = loop_timer_create(s->loop, on_tick, s, &s->timer);
    if (rc == 0)
        rc = loop_timer_arm(s->timer, tick_ms(s));
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        return rc;
    }
    /* Listen before touching the AOF, as redis binds before it loads: a
     * second instance on the same port stops here. Connections made
     * meanwhile wait in the backlog until the load is done. */
    rc = acceptor_listen(s->loop, cfg->host, cfg->port, client_open, s, &s->acceptor);
    if (rc < 0)
        return rc;
    if (cfg->appendonly) {
        if (snprintf(path, sizeof(path), "%s/%s", cfg->dir, AOF_NAME) >= (int)sizeof(path)) {
            log_error("--dir %s: path too long", cfg->dir);
            return -ENAMETOOLONG;
        }
        rc = lock_aof(s, path);
        if (rc == 0)
            rc = server_load(s, path);
        if (rc < 0)
            return rc;
        rc = aof_open(&s->aof, path, cfg->appendfsync);
        if (rc < 0) {
            log_error("%s: cannot open: %s", path, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

int server_run(struct server *s)
{
    int rc = loop_run(s->loop);

    if (rc < 0) {
        log_error("epoll_wait: %s", strerror(-rc));
        return rc;
    }
    /* Stopped by a signal that came with other events: their callbacks
     * ran, the before-wait hook did not. Settle once, so the AOF gets the
     * turn's records and their replies go out as far as the sockets take
     * them without blocking. */
    server_settle(s->loop, s);
    return 0;
}

int server_free(struct server *s)
{
    int rc;

    /* Stop accepting first, then let the clients go as they stand: the
     * server is stopping, replies not yet sent are dropped. */
    acceptor_destroy(s->acceptor);
    s->acceptor = NULL;
    if (s->nclients > 0)
        log_info("closing %zu connections", s->nclients);
    while (s->clients != NULL)
        client_destroy(s->clients);
    rc = aof_close(s->aof);
    if (rc < 0)
        log_error("closing the AOF: %s; the last changes may not be on disk", strerror(-rc));
    s->aof = NULL;
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* after the last write: the next kv may load it */
    s->lock_fd = -1;
    loop_timer_destroy(s->timer);
    if (s->loop != NULL)
        loop_destroy(s->loop);
    if (s->sig_fd >= 0)
        close(s->sig_fd);
    pubsub_destroy(s->pubsub);
    db_destroy(s->db);
    return rc;
}
