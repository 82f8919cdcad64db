#ifndef OSNET_LB_HEALTH_H
#define OSNET_LB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "loop.h"

/* Active health checks: every interval, each backend gets one
 *
 *     GET <path> HTTP/1.1
 *     Host: <backend address>
 *     Connection: close
 *     User-Agent: osnet-lb
 *
 * on a fresh connection, made and read without blocking on the caller's
 * loop. A check passes when the status line says 2xx or 3xx; it fails on a
 * connect error, a connection closed before a status line, any other
 * status, or no answer within the interval. One check per backend is in
 * flight at a time: the timer that starts the next one is also the
 * deadline of the current one.
 *
 * The checker only reports results; what they do to the backend's state
 * (rise, fall) is the caller's business (lb_check_result). */

struct health;

/* One backend to check. */
struct health_target {
    const char *name; /* "127.0.0.1:8001": logs and the Host field */
    const struct sockaddr *addr;
    socklen_t addr_len;
};

/* Called with the result of each check of backend i; why says what failed
 * ("connect: Connection refused", "timed out", "status 503", ...) or is
 * "status 200" and the like for a pass. */
typedef void health_result_cb(void *ctx, unsigned i, bool pass, const char *why);

/* Starts checking n backends (the targets, their names and addresses must
 * outlive the checker) with GET path every interval_ms; the first checks
 * start on the loop's next iteration. Returns 0 and *out, or a negative
 * errno (nothing is left running then). */
int health_start(struct loop *loop, const struct health_target *targets, unsigned n,
                 const char *path, unsigned interval_ms, health_result_cb *cb, void *ctx,
                 struct health **out);

/* Closes the checks in flight, drops the timers and frees the checker
 * (without reporting). Call it before loop_destroy(). NULL is ignored. */
void health_destroy(struct health *h);

/* Parses the status line at the start of p[0..n): "HTTP/1.x NNN ...".
 * Returns the status code (100..999), -2 when the line is not complete yet,
 * or -1 when it is not a status line. Exposed for the unit tests. */
int health_parse_status(const char *p, size_t n);

#endif
