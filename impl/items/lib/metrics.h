#ifndef OSNET_ITEMS_METRICS_H
#define OSNET_ITEMS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The service's metrics and their Prometheus text exposition (format
 * 0.0.4):
 *
 *     # HELP http_requests_total Requests answered, by method, route and status.
 *     # TYPE http_requests_total counter
 *     http_requests_total{method="GET",route="/items/{id}",status="200"} 3
 *
 * Every label has a bounded set of values, so the counters are fixed
 * arrays and no request can create a new series beyond them: the method
 * is one of seven tokens or "other", the route one of five labels (never
 * the raw path), the status three digits. One mutex guards the arrays
 * (a few additions per response); the connection gauge is atomic. The two
 * gauges that describe other modules (rate_limit_clients, items_stored)
 * are read by the caller when it renders. Nothing here touches a socket. */

#define METRICS_METHODS    8 /* GET HEAD POST PUT PATCH DELETE OPTIONS other */
#define METRICS_ROUTES     5 /* /items /items/{id} /metrics /healthz other */
#define METRICS_STATUS_MIN 100
#define METRICS_STATUSES   900 /* 100..999 */
#define METRICS_BUCKETS    14  /* finite histogram buckets; +Inf follows */

/* The buckets' upper bounds in nanoseconds (printed in seconds:
 * le="0.0005"). */
extern const uint64_t metrics_bucket_ns[METRICS_BUCKETS];

struct metrics;

/* Values read from elsewhere at render time. */
struct metrics_gauges {
    uint64_t rate_limit_clients;
    uint64_t items_stored;
};

/* Creates a registry with every metric at zero. Returns 0 and *out, or
 * -ENOMEM. */
int metrics_open(struct metrics **out);

/* Frees it. NULL is ignored. */
void metrics_close(struct metrics *m);

/* The label index of a method token ("GET" -> its own; NULL, "BREW" ->
 * other's) and of a route label (anything unknown -> other's). */
int metrics_method_index(const char *method);
int metrics_route_index(const char *route);

/* Counts one response: its method token (NULL when the head could not be
 * parsed), route label, status (100..999; anything else is counted as
 * 500, a response the server got wrong) and the nanoseconds from the
 * complete request head to the response. */
void metrics_observe(struct metrics *m, const char *method, const char *route, int status,
                     uint64_t ns);

/* Adds delta (+1 opened, -1 closed) to active_connections. */
void metrics_connections(struct metrics *m, int delta);

/* Appends the exposition to out: # HELP and # TYPE before each family, one
 * sample per line, series that have counted nothing left out, cumulative
 * buckets ending with le="+Inf" (equal to _count), then _sum and _count.
 * Returns 0, or -ENOBUFS / -ENOMEM from the buffer (out then holds part of
 * the text). */
int metrics_write(struct metrics *m, const struct metrics_gauges *g, struct buf *out);

#endif
