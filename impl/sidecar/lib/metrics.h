#ifndef OSNET_SIDECAR_METRICS_H
#define OSNET_SIDECAR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The sidecar's metrics and their Prometheus text exposition (format
 * 0.0.4, the `text/plain; version=0.0.4` that every Prometheus scrapes):
 *
 *     # HELP sidecar_requests_total Requests forwarded, by method and status code.
 *     # TYPE sidecar_requests_total counter
 *     sidecar_requests_total{service="sidecar",method="GET",code="200"} 3
 *
 * Everything is a plain integer owned by one thread (the event loop), so
 * counting a request costs a few additions and no lock. Labels are bounded:
 * a method outside the standard ones is counted as "OTHER", so a client
 * cannot create a new time series per request. Nothing here touches a
 * socket. */

/* Methods with a label of their own; the last index is "OTHER". */
#define METRICS_METHODS 10
/* Status codes 0..599; 0 stands for "no response was sent" (the client
 * left, or the connection was closed mid-way before any status). */
#define METRICS_CODES 600
/* Finite histogram buckets (a +Inf bucket follows them). */
#define METRICS_BUCKETS 14

/* The buckets' upper bounds in nanoseconds (printed in seconds:
 * le="0.005"). */
extern const uint64_t metrics_bucket_ns[METRICS_BUCKETS];

struct metrics {
    char *service_label; /* `service="<escaped name>"`, ready to print */
    uint64_t requests[METRICS_METHODS][METRICS_CODES];
    /* Request durations: how many fell in each bucket (not cumulative:
     * the writer adds them up), the last one past every bound. */
    uint64_t buckets[METRICS_BUCKETS + 1];
    uint64_t count;
    uint64_t sum_ns;
    uint64_t upstream_errors; /* exchanges that failed on the upstream side */
    int64_t in_flight;        /* requests between head and end, now */
};

/* Starts every metric at zero, labelled with service="<service>". Returns
 * 0 or -ENOMEM. */
int metrics_init(struct metrics *m, const char *service);

/* Frees what metrics_init() allocated. */
void metrics_free(struct metrics *m);

/* Returns the label index of a method name ("GET" -> its own, "BREW" ->
 * OTHER's). */
int metrics_method_index(const char *method);

/* Counts one finished request: method (a name), the status code sent (0:
 * none; codes past 599 count as 0) and how long it took. */
void metrics_observe(struct metrics *m, const char *method, int code, uint64_t duration_ns);

/* Appends the exposition of every metric to out: # HELP and # TYPE before
 * each family, one sample per line, cumulative buckets ending with
 * le="+Inf" (equal to _count), then _sum and _count. Returns 0, or
 * -ENOBUFS / -ENOMEM from the buffer (out then holds part of it). */
int metrics_write(const struct metrics *m, struct buf *out);

#endif
