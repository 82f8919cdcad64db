#ifndef GUESS_SESSION_H
#define GUESS_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto.h"

/* The guess server's state: one session (one game) per client address and
 * port, in a hash table with a least-recently-used list.
 *
 * UDP has no connection to end, so a session lives until it has been idle
 * for more than idle_ms (checked when the client comes back, and by
 * session_expire(), which a server calls from a periodic timer to free the
 * memory of clients that never come back) or until it is the least recently
 * used one and room is needed for a new client.
 *
 * Each session keeps the seq and the bytes of the last reply it counted, so a
 * retransmitted request gets the same reply again (idempotency) and an older
 * one is refused as stale. Time and randomness come through the config so
 * tests can drive the clock and pick the secrets. */

struct session_table;

struct session_config {
    uint32_t max;        /* secrets are drawn from 1..max (max >= 1) */
    uint64_t idle_ms;    /* forget a session idle for longer than this */
    size_t max_sessions; /* at most this many sessions (>= 1) */
    /* Returns a monotonic time in milliseconds. NULL: CLOCK_MONOTONIC. */
    uint64_t (*now_ms)(void *ctx);
    /* Stores a secret from 1..max in *out; returns 0 or a negative errno.
     * NULL: session_random_secret (getrandom). */
    int (*secret)(void *ctx, uint32_t max, uint32_t *out);
    void *ctx; /* passed to now_ms and secret */
};

/* Counters for logs and tests. */
struct session_stats {
    size_t sessions;  /* live now */
    uint64_t created; /* sessions created */
    uint64_t evicted; /* forgotten to make room (LRU) */
    uint64_t expired; /* forgotten after idle_ms (lazily or by a sweep) */
    uint64_t games;   /* games started, first ones included */
};

/* Creates an empty table. Returns 0 and stores it in *out, -EINVAL for a
 * config with max, idle_ms or max_sessions of 0, or -ENOMEM. */
int session_table_create(const struct session_config *cfg, struct session_table **out);

/* Frees the table and every session. NULL is ignored. */
void session_table_destroy(struct session_table *t);

/* Answers one request datagram p[0..len) from the client at addr (addrlen
 * bytes, AF_INET or AF_INET6): parses it, finds or creates the client's
 * session and plays the guess. Writes the reply line into out (outlen >=
 * GUESS_REPLY_MAX) and returns its length, or a negative errno when no reply
 * can be made (-EAFNOSUPPORT for another address family, -ENOMEM, or the
 * secret source's error); the table is unchanged then.
 *
 *   malformed            ERR <seq|0> malformed; no session created or touched
 *   seq == last counted  the stored reply, byte for byte; nothing counted
 *   seq <  last counted  ERR <seq> stale; nothing counted
 *   n outside 1..max     ERR <seq> range; nothing counted, no session created
 *   otherwise            counted: HIGHER/LOWER/CORRECT <seq> <tries>; after a
 *                        CORRECT, a larger seq starts a new game first
 *
 * Any request but a malformed one marks an existing session as used now. */
int session_answer(struct session_table *t, const struct sockaddr *addr, socklen_t addrlen,
                   const char *p, size_t len, char *out, size_t outlen);

/* Forgets every session idle for longer than idle_ms. Returns how many were
 * forgotten. Costs O(forgotten): the LRU list is in last-use order. */
size_t session_expire(struct session_table *t);

/* Returns the time in ms until the oldest session expires (at least 1), or 0
 * when the table is empty: when a server's next sweep is due. */
uint64_t session_next_expiry(struct session_table *t);

/* Copies the counters into *st. */
void session_get_stats(const struct session_table *t, struct session_stats *st);

/* Draws a secret uniformly from 1..max with getrandom(2). ctx is unused.
 * Returns 0 or a negative errno. */
int session_random_secret(void *ctx, uint32_t max, uint32_t *out);

#endif
