#ifndef OSNET_PROM_H
#define OSNET_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The Prometheus text exposition format (version 0.0.4, served as
 * `text/plain; version=0.0.4`): the pieces every exporter in the project
 * writes the same way, so that each one only decides which metrics it has.
 *
 *     # HELP http_requests_total Requests answered.
 *     # TYPE http_requests_total counter
 *     http_requests_total{method="GET",status="200"} 3
 *
 * A sample is one line: the name, the label pairs in braces (none: no
 * braces), a space, the value. Label values are escaped; durations are
 * kept as integer nanoseconds and printed as exact decimal seconds, so
 * neither a bucket's bound nor a sum depends on floating-point rounding.
 * Everything appends to a bounded buf: past its maximum the call fails
 * with -ENOBUFS (or -ENOMEM), and the exposition is then incomplete and
 * must not be served. */

/* Room for any text prom_seconds() writes: 20 digits, '.', 9 digits, NUL. */
#define PROM_SECONDS_MAX 32

/* Escapes a label value as the format asks: backslash, double quote and
 * line feed become \\, \" and \n. out holds 2 * n bytes. Returns the
 * length written (no NUL). */
size_t prom_escape_label(const char *s, size_t n, char *out);

/* Writes ns as seconds, exactly and without trailing zeros ("0.000731",
 * "2", "0"), NUL-terminated, into out (PROM_SECONDS_MAX bytes). Returns
 * its length. */
size_t prom_seconds(uint64_t ns, char *out);

/* Appends a family's header: "# HELP name help" and "# TYPE name type"
 * (counter, gauge, histogram). Returns 0 or a negative errno. */
int prom_family(struct buf *out, const char *name, const char *type, const char *help);

/* Appends one sample line: name{labels,more} value. labels and more are
 * label pairs already escaped (`service="shop"`, `code="200"`); either
 * may be NULL or "", and with neither there are no braces. The value is
 * printf-formatted (at most 63 bytes). Returns 0 or a negative errno. */
int prom_sample(struct buf *out, const char *name, const char *labels, const char *more,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A histogram's upper bounds: n ascending durations in nanoseconds. */
struct prom_buckets {
    const uint64_t *bound_ns;
    size_t n;
};

/* The bucket a duration falls in: the first whose bound is >= ns (a
 * bucket's le is inclusive), or b->n when ns is past every bound. */
size_t prom_bucket(const struct prom_buckets *b, uint64_t ns);

/* Appends the samples of one histogram series of family name:
 * name_bucket{labels,le="<bound>"} for every bound, cumulative, then
 * le="+Inf", then name_sum{labels} (sum_ns, in seconds) and
 * name_count{labels}. counts holds b->n + 1 per-bucket counts (not
 * cumulative; the last is past every bound), so le="+Inf" and _count are
 * the same total by construction. labels as for prom_sample(). Returns 0
 * or a negative errno. */
int prom_histogram(struct buf *out, const char *name, const char *labels,
                   const struct prom_buckets *b, const uint64_t *counts, uint64_t sum_ns);

#endif
