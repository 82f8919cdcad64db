#ifndef OSNET_PROXY_UPSTREAM_H
#define OSNET_PROXY_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "fwd.h"

/* Connections to upstreams and the pool of idle ones, for fwd.c. Nothing
 * here watches a descriptor: fwd.c owns the loop and the callbacks. */

enum up_state {
    U_CONNECTING, /* non-blocking connect() in progress */
    U_ACTIVE,     /* serving one exchange */
    U_IDLE        /* in the pool, kept alive for a later request */
};

struct upconn {
    int fd;
    int idx; /* which upstream */
    enum up_state state;
    uint32_t mask;              /* current epoll interest */
    struct buf in, out;         /* from / to the upstream */
    bool eof;                   /* the upstream ended its side (or reset: err set) */
    int err;                    /* positive errno of a failed recv, 0 */
    bool wdead;                 /* sending failed: nothing more can go to it */
    bool unwatched;             /* ended with a hang-up: no longer on the loop */
    uint64_t idle_since;        /* U_IDLE: ms when it entered the pool */
    struct upconn *prev, *next; /* U_IDLE: its pool's list, oldest first */
    void *owner;                /* U_CONNECTING, U_ACTIVE: the client (fwd.c) */
    void *engine;               /* the struct fwd it belongs to */
};

/* The idle connections of one upstream, oldest first. */
struct up_pool {
    struct upconn *head, *tail;
    unsigned n;
};

/* Starts a non-blocking connection to u (index idx) and stores a new
 * upconn in *out. Returns 1 when connected at once, 0 when the connection is
 * in progress (the socket becomes writable when it is done: up_connect_error()
 * then says how it went), or a negative errno (-ECONNREFUSED and friends for
 * the upstream's failure; -ENOMEM, -EMFILE, -ENFILE, -ENOBUFS for ours). */
int up_open(const struct fwd_upstream *u, int idx, size_t in_max, size_t out_max,
            struct upconn **out);

/* The result of a connect that up_open() left in progress: 0 or a negative
 * errno. */
int up_connect_error(const struct upconn *c);

/* Closes the socket and frees c (the caller stopped watching it). NULL is
 * ignored. */
void up_free(struct upconn *c);

/* Returns true when an idle connection looks usable: recv(MSG_PEEK |
 * MSG_DONTWAIT) finds nothing to read and no end of stream. An idle HTTP
 * connection has nothing to say; a byte or an EOF means the server closed
 * it (or broke the protocol), and a request sent there would be lost. */
bool up_idle_alive(const struct upconn *c);

/* Appends c to the pool as its newest member; it gives back its buffers
 * (an idle connection costs a descriptor and this struct, no more). */
void pool_push(struct up_pool *p, struct upconn *c, uint64_t now);

/* Takes the newest connection out of the pool (the likeliest to be still
 * open), or returns NULL when the pool is empty. */
struct upconn *pool_pop(struct up_pool *p);

/* Takes c, which is in p, out of it. */
void pool_remove(struct up_pool *p, struct upconn *c);

#endif
