#ifndef OSNET_KV_SERVER_H
#define OSNET_KV_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aof.h"
#include "buf.h"
#include "pubsub.h"
#include "resp.h"

/* The kv server: one thread, one epoll loop (impl/lib/loop), every client
 * served in the order its bytes arrive.
 *
 * A request's life: recv() appends to the client's input buffer; each
 * complete request in it is parsed (resp_parse), looked up in the command
 * table (commands.c) and run, its reply appended to the client's output
 * buffer, and the client goes on a pending list. Once per turn of the
 * event loop, after the callbacks of what one epoll_wait() returned (the
 * loop's before-wait hook, redis's beforeSleep), the changes all those
 * commands logged are written to the append-only file in one write, and
 * only then are the pending clients' replies sent (as much as each socket
 * takes without blocking; EPOLLOUT only while output waits).
 *
 * Memory is bounded per client: a normal client whose replies pile up past
 * a high-water mark (it pipelines without reading) is neither read nor run
 * until they drain; a subscriber whose pending messages pass --pubsub-limit
 * is disconnected. Clients are never freed in the middle of a command: one
 * that must go is marked, and freed by the before-wait hook. */

/* What kv.c parsed from the command line (see the contract's options). */
struct kv_config {
    const char *host;
    unsigned port;
    const char *dir;
    bool appendonly;
    enum aof_fsync appendfsync;
    size_t pubsub_limit; /* bytes of pending output of a subscriber; 0: none */
    unsigned hz;         /* timer ticks per second */
    unsigned maxclients;
    unsigned timeout; /* seconds of idleness before a client is closed; 0: never */
};

struct server;

/* Client flags. */
#define CLIENT_CLOSE_AFTER_REPLY 0x01u /* QUIT or a protocol error: close once sent */
#define CLIENT_DEAD 0x02u              /* marked: freed before the loop waits again */
#define CLIENT_LINGER 0x04u /* replies sent, write side shut: reading until EOF */
#define CLIENT_STALLED 0x08u /* out of memory: its input waits for the timer */
#define CLIENT_WROTE 0x10u  /* ran a change whose AOF record is not written yet */
#define CLIENT_HELD 0x20u   /* output held until the AOF accepts its changes */
#define CLIENT_EOF 0x40u    /* the peer sent its last byte */

struct client {
    struct server *srv;
    int fd;
    uint64_t id;
    unsigned flags;
    uint32_t mask; /* current epoll interest */
    struct buf in; /* bytes received, not yet run (the request at its front) */
    struct resp_parser parser;
    struct buf out;          /* replies not yet sent */
    int64_t last_active;     /* monotonic ms of the last read or send */
    int64_t linger_until;    /* monotonic ms: give up lingering */
    struct pubsub_client ps; /* its subscriptions */

    /* The request being run: argc arguments (argv[0] is the command name). */
    const struct resp_arg *argv;
    size_t argc;
    size_t reply_mark; /* output length before this request's reply */
    int reply_err;     /* first failure writing the reply (-ENOMEM) */

    struct client *prev, *next; /* every client */
    struct client *dirty_next;  /* pending list: output to send this turn */
    struct client *dead_next;   /* marked clients, freed before the wait */
    bool dirty;
};

struct db;
struct aof;
struct loop;
struct loop_timer;
struct acceptor;

struct server {
    const struct kv_config *cfg;
    struct loop *loop;
    int sig_fd;
    int lock_fd; /* holds the AOF's flock; -1 without --appendonly yes */
    struct acceptor *acceptor;
    struct loop_timer *timer;
    struct db *db;
    struct aof *aof; /* NULL without --appendonly yes */
    struct pubsub *pubsub;
    struct client *clients;
    size_t nclients; /* every open client (lingering ones included) */
    unsigned maxclients; /* --maxclients, lowered if RLIMIT_NOFILE is short */
    uint64_t next_id;
    struct client *dirty; /* the pending list: clients with output to send */
    struct client *dead;
    size_t nlinger;     /* of nclients, those lingering: not counted for maxclients */
    bool retry_pending; /* clients are stalled: the timer retries them */
    bool aof_failing;   /* in an episode of AOF write errors (logged once) */
    int64_t next_scan;  /* monotonic ms of the next idle-client scan */
    char scratch[16 * 1024]; /* drained input of lingering clients */
};

/* Starts a server with cfg (kept by pointer): fits RLIMIT_NOFILE to
 * maxclients, creates the keyspace (its hash keyed with seed), watches
 * SIGTERM/SIGINT, listens on host:port, then, when appendonly is on, locks
 * DIR/appendonly.aof (refusing a file another process holds), replays it
 * (refusing a file that is not RESP, -EINVAL, or holds an unknown record,
 * -EBADMSG, logged with the offset) and opens it for appending. Returns 0
 * or a negative errno, logged; server_free() must be called either way. */
int server_start(struct server *s, const struct kv_config *cfg, const uint8_t seed[16]);

/* Runs until SIGTERM or SIGINT, then settles once more (writes the AOF,
 * sends what the sockets take without blocking). Returns 0, or a negative
 * errno if the loop failed. */
int server_run(struct server *s);

/* Closes every client, writes and syncs the AOF and closes it (aof_close),
 * frees everything. Returns 0, or the AOF's negative errno (logged). */
int server_free(struct server *s);

/* ---- for commands.c and pubsub.c ---- */

/* Unix time in milliseconds, the clock of deadlines. */
int64_t server_now_ms(void);

/* Marks c to be closed (before the loop waits again, never under a loop
 * over clients). why is logged at debug level. Marking twice is a no-op. */
void client_kill(struct client *c, const char *why);

/* Puts c on the pending list: its output is sent before the loop waits
 * again, after the AOF is written. Called by anyone who appends to a
 * client's output outside its own request (a published message). */
void client_mark_dirty(struct client *c);

/* Reply writers for the request being run: each appends to c's output.
 * A failure (no memory) is remembered in c->reply_err; later writes of the
 * same reply are skipped, and when the command returns the partial reply
 * is replaced by "-OOM out of memory", so a client never sees half a
 * reply. */
void reply_ok(struct client *c);
void reply_simple(struct client *c, const char *s);
void reply_error(struct client *c, const char *msg);
void reply_errorf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct client *c, long long v);
void reply_bulk(struct client *c, const void *p, size_t n);
void reply_cstr(struct client *c, const char *s); /* a bulk string */
void reply_null(struct client *c);
void reply_array(struct client *c, size_t n);

/* Makes n more bytes of output room so that the replies written next, up
 * to n bytes, cannot fail: a change reserves its reply before it is
 * committed. Returns 0 or -ENOMEM. */
int reply_reserve(struct client *c, size_t n);

/* The redis errors every command may answer. */
#define ERR_SYNTAX "ERR syntax error"
#define ERR_NOT_INT "ERR value is not an integer or out of range"
#define ERR_OOM "OOM out of memory"

/* Logs one change to the AOF (if any): argc arguments, argv[i] of lens[i]
 * bytes. With appendfsync always the record is written and synced now;
 * otherwise it is written with the rest of the turn's records, before any
 * of their replies is sent.
 * Returns 0; -ENOMEM (nothing logged: reply ERR_OOM, change nothing); or
 * the errno of a failed write or sync under always (nothing logged: reply
 * with reply_misconf(), change nothing). */
int server_log(struct client *c, size_t argc, const char *const *argv, const size_t *lens);

/* Replies "-MISCONF Errors writing to the AOF file: <strerror(-err)>". */
void reply_misconf(struct client *c, int err);

#endif
