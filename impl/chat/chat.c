/* chat: TCP chat server with broadcast, on a single-threaded epoll loop.
 *
 * Every line a client sends is framed (lib/line), classified (lib/proto) and
 * handled at once, in the order the loop reads it; whatever the server says
 * in response is appended to the output queue of each client concerned, so
 * every client receives the lines meant for it in that one global order.
 *
 * Each client's output queue is bounded (256 KiB by default). Queues are
 * flushed once the input at hand is handled (one send() per client per
 * read, however many lines it brought), and what the kernel does not take
 * waits for EPOLLOUT. A line that would not fit in a client's queue means
 * that client has stopped reading: it is disconnected and the others get
 * "LEAVE <nick> slow". Nothing blocks except epoll_wait() in loop_run().
 *
 * Clients never disappear in the middle of a broadcast. A client that must
 * go (slow, a send error, end of input, out of memory) is only marked and
 * queued on a "dying" list; after each line, the dying ones leave the
 * roster and their LEAVE lines are broadcast (which may in turn mark other
 * clients); at the end of each callback, after the queues are flushed, the
 * dead ones are closed and freed. So no loop over clients ever sees one
 * freed under it. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acceptor.h"
#include "args.h"
#include "buf.h"
#include "line.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "proto.h"
#include "roster.h"
#include "sig.h"

#define READ_CHUNK (64 * 1024)
#define DEFAULT_QUEUE_MAX (256 * 1024)
#define DRAIN_READS 16        /* see client_destroy() */
/* The longest line the server sends but WHO: "MSG <nick> <text>\n". */
#define OUT_LINE_MAX (4 + PROTO_NICK_MAX + 1 + LINE_CONTENT_MAX + 1)

static const char busy_line[] = "ERR server-busy\n";

enum client_state {
    CLIENT_OPEN,    /* unjoined or joined: its lines are handled */
    CLIENT_CLOSING, /* sent /quit: BYE is queued, close once it is sent */
    CLIENT_DEAD,    /* marked to go: on the dying, then the dead list */
};

struct server;

struct client {
    struct server *srv;
    int fd;
    enum client_state state;
    bool joined;         /* in the roster (its nick is taken) */
    bool dirty;          /* on the list of queues to flush */
    bool graceful;       /* when dead: drain its input before closing */
    const char *reason;  /* when dead and joined: the LEAVE reason */
    uint32_t mask;       /* current epoll interest */
    struct roster_entry who;
    struct line_framer in;
    struct buf out;                /* queued, not yet sent */
    struct client *prev, *next;    /* every client, for the final close */
    struct client *dirty_next;     /* queues with new bytes to send */
    struct client *dead_next;      /* the dying, then the dead list */
};

struct server {
    struct loop *loop;
    int sig_fd;
    struct acceptor *acceptor; /* hands new connections to client_open() */
    size_t queue_max;
    struct roster roster;       /* joined clients, sorted by nick */
    struct client *clients;
    size_t nclients;
    struct client *dirty;
    struct client *dying, *dying_tail; /* marked, LEAVE not yet sent (FIFO) */
    struct client *dead;               /* to close and free */
    char rbuf[READ_CHUNK];
};

static struct client *client_of(struct roster_entry *e)
{
    return (struct client *)((char *)e - offsetof(struct client, who));
}

/* Marks c to be disconnected: no line reaches it any more, and once the
 * current line is handled it leaves the roster with "LEAVE <nick> reason"
 * (if it had joined). graceful asks for its pending input to be read and
 * dropped first, so that the close sends a FIN and not an RST. Marking a
 * client twice keeps the first reason. */
static void client_kill(struct client *c, const char *reason, bool graceful)
{
    struct server *s = c->srv;

    if (c->state == CLIENT_DEAD)
        return;
    log_debug("fd %d (%s): disconnecting: %s", c->fd, c->joined ? c->who.nick : "unjoined",
              reason);
    c->state = CLIENT_DEAD;
    c->reason = reason;
    c->graceful = graceful;
    c->dead_next = NULL;
    if (s->dying_tail != NULL)
        s->dying_tail->dead_next = c;
    else
        s->dying = c;
    s->dying_tail = c;
}

/* Puts c on the list of queues to flush at the end of the callback. Called
 * when its queue goes from empty to not empty: a queue that held bytes
 * already is either on that list or waits for EPOLLOUT, and will be flushed
 * either way. */
static void mark_dirty(struct client *c)
{
    struct server *s = c->srv;

    if (c->dirty)
        return;
    c->dirty = true;
    c->dirty_next = s->dirty;
    s->dirty = c;
}

/* Appends len bytes (whole lines) to c's output queue and makes sure the
 * queue will be flushed. Returns 0, -ENOBUFS when the queue would go past
 * its maximum, or -ENOMEM; nothing is appended on failure. */
static int queue_append(struct client *c, const char *p, size_t len)
{
    bool was_empty = buf_len(&c->out) == 0;
    int rc = buf_append(&c->out, p, len);

    if (rc < 0)
        return rc;
    if (was_empty)
        mark_dirty(c);
    return 0;
}

/* Queues whole lines for c, or disconnects it: a client whose queue would go
 * past the maximum is not reading and goes as slow; one whose queue cannot
 * grow for lack of memory goes too, since it would otherwise miss a line.
 * Returns 0 when the bytes were queued, or a negative errno when c is (or
 * already was) marked dead instead. */
static int client_queue(struct client *c, const char *p, size_t len)
{
    int rc;

    if (c->state == CLIENT_DEAD)
        return -EPIPE;
    rc = queue_append(c, p, len);
    if (rc == -ENOBUFS) {
        client_kill(c, "slow", true);
    } else if (rc < 0) {
        log_warn("fd %d: cannot queue output: %s", c->fd, strerror(-rc));
        client_kill(c, "closed", false);
    }
    return rc;
}

/* Queues "ERR <code>\n" for c. Returns as client_queue(). */
static int client_error(struct client *c, const char *code)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "ERR %s\n", code);

    return client_queue(c, line, (size_t)n);
}

/* Queues line to every joined client but except (NULL for none). Clients
 * that cannot take it are only marked, so the roster does not change under
 * the loop. */
static void broadcast(struct server *s, const struct client *except, const char *line,
                      size_t len)
{
    for (struct roster_entry *e = s->roster.head; e != NULL; e = e->next) {
        struct client *c = client_of(e);
        if (c != except && c->state == CLIENT_OPEN)
            client_queue(c, line, len);
    }
}

/* A tiny line builder: the pieces of one output line, joined by single
 * spaces, with "\n" at the end. out holds OUT_LINE_MAX bytes, which every
 * caller's pieces fit in. Returns the line's length. */
static size_t build_line(char *out, const char *const *words, const size_t *lens, size_t n)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            out[len++] = ' ';
        memcpy(out + len, words[i], lens[i]);
        len += lens[i];
    }
    out[len++] = '\n';
    return len;
}

/* Builds "<verb> <nick> <text>\n" (text may be NULL) into out. Returns its
 * length. */
static size_t build_event(char *out, const char *verb, const struct roster_entry *who,
                          const char *text, size_t tlen)
{
    const char *words[3] = {verb, who->nick, text};
    size_t lens[3] = {strlen(verb), who->len, tlen};

    return build_line(out, words, lens, text != NULL ? 3 : 2);
}

/* Sends what the kernel takes of c's queue and watches EPOLLOUT while
 * anything is left. A send error (EPIPE, ECONNRESET, ...) drops c; so does
 * a failure to change its epoll interest. A client that sent /quit is
 * closed once its queue is empty. Returns nothing: the outcome is c's
 * state. */
static void client_flush(struct client *c)
{
    struct server *s = c->srv;
    uint32_t mask;
    int rc;

    while (buf_len(&c->out) > 0) {
        ssize_t n = send(c->fd, buf_peek(&c->out), buf_len(&c->out), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            log_debug("fd %d: send: %s", c->fd, strerror(errno));
            client_kill(c, "closed", false);
            return;
        }
        buf_consume(&c->out, (size_t)n);
    }
    if (buf_len(&c->out) == 0) {
        /* Idle clients hold no queue memory. */
        buf_free(&c->out);
        if (c->state == CLIENT_CLOSING) {
            client_kill(c, "quit", true);
            return;
        }
    }
    mask = EPOLLIN | (buf_len(&c->out) > 0 ? EPOLLOUT : 0);
    if (mask == c->mask)
        return;
    rc = loop_modify(s->loop, c->fd, mask);
    if (rc < 0) {
        log_warn("fd %d: epoll_ctl: %s", c->fd, strerror(-rc));
        client_kill(c, "closed", false);
        return;
    }
    c->mask = mask;
}

/* Sends "LEAVE <nick> <reason>" for every client marked since the last
 * call, in the order they were marked, and moves them to the dead list.
 * Those broadcasts may mark more clients, which are handled in the same
 * call. */
static void server_announce(struct server *s)
{
    char line[OUT_LINE_MAX];
    struct client *c;

    while ((c = s->dying) != NULL) {
        s->dying = c->dead_next;
        if (s->dying == NULL)
            s->dying_tail = NULL;
        c->dead_next = s->dead;
        s->dead = c;
        if (c->joined) {
            roster_remove(&s->roster, &c->who);
            c->joined = false;
            broadcast(s, c, line,
                      build_event(line, "LEAVE", &c->who, c->reason, strlen(c->reason)));
        }
    }
}

/* Closes a dead client and frees it. A graceful close first reads and drops
 * what the client sent meanwhile (a bounded amount): closing a socket with
 * unread input makes the kernel send an RST instead of a FIN. */
static void client_destroy(struct client *c)
{
    struct server *s = c->srv;

    loop_remove(s->loop, c->fd);
    for (int i = 0; c->graceful && i < DRAIN_READS; i++)
        if (recv(c->fd, s->rbuf, sizeof(s->rbuf), 0) <= 0)
            break;
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nclients--;
    line_free(&c->in);
    buf_free(&c->out);
    free(c);
}

/* Brings the server to rest after a callback: announces the clients that
 * left, flushes every queue that received bytes (which may mark more
 * clients, whose LEAVE lines must be flushed too), then closes and frees
 * the dead. Any client may be freed here, the caller's own included. */
static void server_settle(struct server *s)
{
    struct client *c;

    for (;;) {
        server_announce(s);
        if (s->dirty == NULL)
            break;
        while ((c = s->dirty) != NULL) {
            s->dirty = c->dirty_next;
            c->dirty = false;
            if (c->state != CLIENT_DEAD)
                client_flush(c);
        }
    }
    while ((c = s->dead) != NULL) {
        s->dead = c->dead_next;
        client_destroy(c);
    }
}

/* Refuses a client that cannot be served for lack of memory: tells it so if
 * its socket takes the line at once, and closes it. Whatever was queued for
 * it is sent first when possible, so the refusal is its last line. */
static void client_refuse(struct client *c)
{
    client_flush(c);
    if (c->state != CLIENT_DEAD && buf_len(&c->out) == 0)
        (void)!send(c->fd, busy_line, sizeof(busy_line) - 1, MSG_NOSIGNAL);
    client_kill(c, "closed", true);
}

/* An unjoined client's line: an attempt to join under that nick. */
static void client_join(struct client *c, const char *nick, size_t len)
{
    struct server *s = c->srv;
    char line[OUT_LINE_MAX];
    int rc;

    if (!proto_nick_valid(nick, len)) {
        client_error(c, "nick-invalid");
        return;
    }
    if (roster_find(&s->roster, nick, len, NULL) != NULL) {
        client_error(c, "nick-taken");
        return;
    }
    roster_set_nick(&c->who, nick, len);
    rc = queue_append(c, line, build_event(line, "WELCOME", &c->who, NULL, 0));
    if (rc == -ENOBUFS) {
        client_kill(c, "slow", true); /* it never read its ERR lines */
        return;
    }
    if (rc < 0) {
        log_warn("fd %d: cannot join %s: %s", c->fd, c->who.nick, strerror(-rc));
        client_refuse(c);
        return;
    }
    roster_insert(&s->roster, &c->who);
    c->joined = true;
    log_debug("fd %d: %s joined (%zu joined)", c->fd, c->who.nick, s->roster.count);
    broadcast(s, c, line, build_event(line, "JOIN", &c->who, NULL, 0));
}

/* "/nick NEW": renames c if NEW is valid and no other client has it. */
static void client_rename(struct client *c, const char *nick, size_t len)
{
    struct server *s = c->srv;
    char line[OUT_LINE_MAX];
    size_t n;

    if (!proto_nick_valid(nick, len)) {
        client_error(c, "nick-invalid");
        return;
    }
    if (roster_find(&s->roster, nick, len, &c->who) != NULL) {
        client_error(c, "nick-taken");
        return;
    }
    n = build_event(line, "NICK", &c->who, nick, len);
    log_debug("fd %d: %s is now %.*s", c->fd, c->who.nick, (int)len, nick);
    roster_remove(&s->roster, &c->who);
    roster_set_nick(&c->who, nick, len);
    roster_insert(&s->roster, &c->who);
    broadcast(s, NULL, line, n);
}

/* "/who": one WHO line, written straight into the asker's queue. */
static void client_who(struct client *c)
{
    struct server *s = c->srv;
    size_t n = roster_who_len(&s->roster);
    bool was_empty = buf_len(&c->out) == 0;
    size_t avail;
    char *tail;
    int rc;

    rc = buf_reserve(&c->out, n, &tail, &avail);
    if (rc == 0) {
        roster_who_write(&s->roster, tail);
        buf_commit(&c->out, n);
        if (was_empty)
            mark_dirty(c);
        return;
    }
    if (rc == -ENOBUFS) {
        client_kill(c, "slow", true);
    } else {
        log_warn("fd %d: cannot queue output: %s", c->fd, strerror(-rc));
        client_kill(c, "closed", false);
    }
}

/* "/quit": BYE to c, LEAVE to the others at once (the nick is free from
 * now on), and c is closed once BYE is sent. */
static void client_quit(struct client *c)
{
    struct server *s = c->srv;
    char line[OUT_LINE_MAX];

    if (client_queue(c, "BYE\n", 4) < 0)
        return; /* marked dead: it leaves with the reason given there */
    roster_remove(&s->roster, &c->who);
    c->joined = false;
    c->state = CLIENT_CLOSING;
    log_debug("fd %d: %s quits", c->fd, c->who.nick);
    broadcast(s, c, line, build_event(line, "LEAVE", &c->who, "quit", 4));
}

/* Handles one complete line from an open client. */
static void client_line(struct client *c, const char *p, size_t len)
{
    struct server *s = c->srv;
    char line[OUT_LINE_MAX];
    const char *arg = NULL;
    size_t arglen = 0;

    if (!c->joined) {
        client_join(c, p, len);
        return;
    }
    switch (proto_parse(p, len, &arg, &arglen)) {
    case PROTO_EMPTY:
        break;
    case PROTO_MSG:
        broadcast(s, c, line, build_event(line, "MSG", &c->who, p, len));
        break;
    case PROTO_NICK:
        client_rename(c, arg, arglen);
        break;
    case PROTO_WHO:
        client_who(c);
        break;
    case PROTO_QUIT:
        client_quit(c);
        break;
    case PROTO_UNKNOWN:
        client_error(c, "unknown-command");
        break;
    }
}

/* Frames n received bytes and handles each line as it completes. Stops at
 * once when c is no longer open (it quit, or was disconnected by one of
 * its own lines): the rest of its input is dropped. After each line the
 * clients that line disconnected leave, so their LEAVE comes right after
 * it in the global order. */
static void client_input(struct client *c, const char *data, size_t n)
{
    struct server *s = c->srv;
    enum line_event ev;
    const char *line = NULL;
    size_t len = 0;
    ssize_t used;

    while (n > 0 && c->state == CLIENT_OPEN) {
        used = line_feed(&c->in, data, n, &ev, &line, &len);
        if (used < 0) {
            log_warn("fd %d: cannot buffer input: %s", c->fd, strerror((int)-used));
            client_kill(c, "closed", false);
            break;
        }
        data += used;
        n -= (size_t)used;
        if (ev == LINE_TOO_LONG)
            client_error(c, "line-too-long");
        else if (ev == LINE_READY)
            client_line(c, line, len);
        server_announce(s);
    }
    line_done(&c->in);
}

/* Reads once (level-triggered epoll calls again while more is waiting, so
 * one busy client cannot hold the loop) and handles what arrived. End of
 * input or a read error disconnects the client. */
static void client_read(struct client *c)
{
    struct server *s = c->srv;
    ssize_t n = recv(c->fd, s->rbuf, sizeof(s->rbuf), 0);

    if (n > 0) {
        if (c->state == CLIENT_OPEN)
            client_input(c, s->rbuf, (size_t)n);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n < 0)
        log_debug("fd %d: recv: %s", c->fd, strerror(errno));
    client_kill(c, "closed", false);
}

/* A client's socket is ready: send what waits for it, read what it sent,
 * then settle (which may free this client or others). */
static void on_client(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct client *c = ctx;
    struct server *s = c->srv;

    (void)loop;
    (void)fd;
    if ((events & EPOLLOUT) && c->state != CLIENT_DEAD)
        client_flush(c);
    /* EPOLLHUP and EPOLLERR come whatever the mask; the recv() that follows
     * returns the actual error or end of input. */
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->state != CLIENT_DEAD)
        client_read(c);
    server_settle(s); /* may free c */
}

/* Turns away a connection the server has no memory for: one best-effort
 * line before the acceptor closes it. */
static void refuse_fd(struct server *s, int fd)
{
    (void)!send(fd, busy_line, sizeof(busy_line) - 1, MSG_NOSIGNAL);
    /* Unread input would turn the close into an RST that may overtake the
     * line. */
    (void)!recv(fd, s->rbuf, sizeof(s->rbuf), 0);
}

/* Starts serving a connection the acceptor took (see acceptor.h: at most 64
 * per wakeup, accept paused for 100 ms when out of descriptors or memory)
 * as an unjoined client. Returns 0, or a negative errno when it could not
 * be set up: the connection has then been told "ERR server-busy", and the
 * acceptor closes it and pauses accepting. */
static int client_open(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx)
{
    struct server *s = ctx;
    struct client *c = calloc(1, sizeof(*c));
    int rc;

    (void)peer; /* this server does not log or check addresses */
    (void)peer_len;
    if (c == NULL) {
        refuse_fd(s, fd);
        return -ENOMEM;
    }
    /* The server sends each line as soon as it has it; Nagle's algorithm
     * would hold back a small one until the previous one is acknowledged. */
    net_set_nodelay(fd, true);
    c->srv = s;
    c->fd = fd;
    c->state = CLIENT_OPEN;
    c->mask = EPOLLIN;
    line_init(&c->in);
    buf_init(&c->out, s->queue_max);
    rc = loop_add(s->loop, fd, c->mask, on_client, c);
    if (rc < 0) {
        free(c);
        refuse_fd(s, fd);
        return rc;
    }
    c->next = s->clients;
    if (s->clients != NULL)
        s->clients->prev = c;
    s->clients = c;
    s->nclients++;
    log_debug("fd %d: connected (%zu open)", fd, s->nclients);
    return 0;
}

/* Opens the loop, the SIGTERM/SIGINT watch that stops it (main() then
 * closes everything and exits 0) and the listener. Returns 0 or a negative
 * errno, logged. */
static int server_start(struct server *s, const struct args_server *a)
{
    int rc = loop_create(&s->loop);

    if (rc == 0)
        rc = sig_watch_stop(s->loop, &s->sig_fd);
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        return rc;
    }
    return acceptor_listen(s->loop, a->host, a->port, client_open, s, &s->acceptor);
}

/* Closes every client as it stands (queued output is dropped: the server is
 * going away) and frees everything. */
static void server_free(struct server *s)
{
    if (s->nclients > 0)
        log_info("closing %zu connections", s->nclients);
    while (s->clients != NULL) {
        s->clients->graceful = false;
        client_destroy(s->clients);
    }
    acceptor_destroy(s->acceptor);
    loop_destroy(s->loop);
    if (s->sig_fd >= 0)
        close(s->sig_fd);
}

int main(int argc, char **argv)
{
    static struct server s; /* holds the 64 KiB read buffer: not on the stack */
    const struct args_opt extra[] = {
        {"queue-max", ARGS_SIZE, &s.queue_max, 1024, 1ULL << 30, "BYTES",
         "disconnect a client with more than BYTES of output queued (default 256k)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct args_server a;
    int rc;

    s.sig_fd = -1;
    s.queue_max = DEFAULT_QUEUE_MAX;
    roster_init(&s.roster);
    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, extra, "chat",
                         "TCP chat server: lines from each client go to every other one.");
    if (rc >= 0)
        return rc;

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
