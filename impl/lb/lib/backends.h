#ifndef OSNET_LB_BACKENDS_H
#define OSNET_LB_BACKENDS_H

#include <stdbool.h>
#include <stdint.h>

/* The load balancer's backend table: which backends are in rotation, and
 * which one gets the next request.
 *
 * A backend leaves the rotation in two ways:
 *
 * - active checks (--health-path): `fall` consecutive failed checks take
 *   an up backend down, `rise` consecutive passed checks bring a down one
 *   back;
 * - passive ejection: a connection to it could not be made. Without active
 *   checks it stays out until a deadline (--eject-time) passes; with them
 *   it is simply marked down, and the checks bring it back.
 *
 * Nothing here touches a socket or reads a clock: every function that
 * needs the time takes it (milliseconds of CLOCK_MONOTONIC), so the state
 * machine is tested with a fake clock (tests/test_backends.c). */

/* The most backends a table holds (the engine's `tried` mask is 64 bits). */
#define LB_MAX_BACKENDS 64

enum lb_policy {
    LB_ROUND_ROBIN, /* strict cyclic order over the backends in rotation */
    LB_RANDOM,      /* uniform among the backends in rotation */
    LB_LEAST_CONN,  /* fewest requests in flight; ties in round-robin order */
};

/* What a check result or an ejection did to a backend's state. */
enum lb_change {
    LB_SAME, /* still up or still down */
    LB_WENT_DOWN,
    LB_CAME_UP,
};

struct lb_backend {
    const char *name;       /* "127.0.0.1:8001", as given; not owned */
    bool up;                /* the check state: false after `fall` failures */
    uint64_t ejected_until; /* passive ejection deadline (ms), 0: none */
    unsigned passes;        /* consecutive passed checks */
    unsigned fails;         /* consecutive failed checks */
    unsigned active;        /* requests in flight (least-conn) */
    uint64_t requests;      /* requests it received (a failed connect does
                               not count; a retry counts on its backend) */
    uint64_t failures;      /* what went wrong with it: failed connects,
                               exchanges cut after connecting, failed checks */
};

struct lb_table {
    struct lb_backend b[LB_MAX_BACKENDS];
    unsigned n;
    enum lb_policy policy;
    bool checks; /* active checks are on: passive ejection marks down */
    unsigned rise, fall;
    unsigned eject_ms; /* passive ejection time without active checks */
    unsigned next;     /* round-robin cursor: where the next scan starts */
    uint64_t rng;      /* xorshift64* state for LB_RANDOM, never 0 */
};

/* Initializes t with n backends (1..LB_MAX_BACKENDS) named by names (the
 * strings must outlive t), all up and in rotation, counters at zero. seed
 * drives LB_RANDOM (any value; 0 is replaced). Returns 0 or -EINVAL. */
int lb_table_init(struct lb_table *t, const char *const *names, unsigned n, enum lb_policy policy,
                  bool checks, unsigned rise, unsigned fall, unsigned eject_ms, uint64_t seed);

/* Returns whether backend i takes new requests at time now: up by the
 * checks and not passively ejected. */
bool lb_available(const struct lb_table *t, unsigned i, uint64_t now);

/* Picks the backend for the next request by the table's policy among those
 * available at time now whose bit is clear in tried (backends that already
 * failed this request), counts the request on it and returns its index; or
 * returns -1 when there is none. */
int lb_choose(struct lb_table *t, uint64_t tried, uint64_t now);

/* Returns how many backends take new requests at time now. lb_choose()
 * returning -1 while this is not 0 means the ones in rotation all failed
 * this request already. */
unsigned lb_count_available(const struct lb_table *t, uint64_t now);

/* A request started (begin) or stopped (end) being in flight on backend i:
 * the least-conn count. */
void lb_begin(struct lb_table *t, unsigned i);
void lb_end(struct lb_table *t, unsigned i);

/* Records one active check result of backend i (a failure also counts in
 * its failures). Returns LB_WENT_DOWN when
 * this was failure number `fall` in a row of an up backend, LB_CAME_UP when
 * it was pass number `rise` in a row of a down one, else LB_SAME. */
enum lb_change lb_check_result(struct lb_table *t, unsigned i, bool pass);

/* A connection to backend i could not be made at time now: counts the
 * failure, takes back the request lb_choose() counted, and ejects it (see the top of this file).
 * Returns LB_WENT_DOWN when it was in rotation until now, else LB_SAME. */
enum lb_change lb_connect_failed(struct lb_table *t, unsigned i, uint64_t now);

/* A request on backend i failed after its connection was made (upstream
 * closed, reset or timed out): counted in its failures, nothing more. */
void lb_upstream_failed(struct lb_table *t, unsigned i);

/* Returns the policy named name ("round-robin", "random", "least-conn"), or
 * -EINVAL. */
int lb_policy_parse(const char *name);

/* Returns the name of policy p, as --policy spells it. */
const char *lb_policy_name(enum lb_policy p);

#endif
