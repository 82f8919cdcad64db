#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* From 1 ms to 60 s: a sidecar's requests are mostly a few milliseconds,
 * and the upstream timeout (60 s by default) bounds the slowest. The
 * bounds are integers (ns), so which bucket a request lands in never
 * depends on floating-point rounding. */
const uint64_t metrics_bucket_ns[METRICS_BUCKETS] = {
    1000000,   2500000,   5000000,    10000000,   25000000,   50000000,    100000000,
    250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000, 60000000000,
};
static const struct prom_buckets buckets = {metrics_bucket_ns, METRICS_BUCKETS};

static const char *const method_names[METRICS_METHODS] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "OTHER",
};

int metrics_init(struct metrics *m, const char *service)
{
    size_t n = strlen(service);
    static const char pre[] = "service=\"";

    memset(m, 0, sizeof(*m));
    m->service_label = malloc(sizeof(pre) + 2 * n + 1);
    if (m->service_label == NULL)
        return -ENOMEM;
    memcpy(m->service_label, pre, sizeof(pre) - 1);
    n = sizeof(pre) - 1 + prom_escape_label(service, n, m->service_label + sizeof(pre) - 1);
    m->service_label[n++] = '"';
    m->service_label[n] = '\0';
    return 0;
}

void metrics_free(struct metrics *m)
{
    free(m->service_label);
    m->service_label = NULL;
}

int metrics_method_index(const char *method)
{
    for (int i = 0; i < METRICS_METHODS - 1; i++) {
        if (strcmp(method, method_names[i]) == 0)
            return i;
    }
    return METRICS_METHODS - 1;
}

void metrics_observe(struct metrics *m, const char *method, int code, uint64_t duration_ns)
{
    if (code < 0 || code >= METRICS_CODES)
        code = 0;
    m->requests[metrics_method_index(method)][code]++;
    m->buckets[prom_bucket(&buckets, duration_ns)]++;
    m->count++;
    m->sum_ns += duration_ns;
}

static int write_requests(const struct metrics *m, struct buf *out)
{
    static const char name[] = "sidecar_requests_total";
    char labels[64];
    int rc = prom_family(out, name, "counter",
                         "Requests forwarded, by method and response status code.");

    for (int i = 0; i < METRICS_METHODS && rc == 0; i++) {
        for (int code = 0; code < METRICS_CODES && rc == 0; code++) {
            uint64_t v = m->requests[i][code];
            /* A series appears once it has counted something: Prometheus
             * treats a series that shows up as starting from zero. */
            if (v == 0)
                continue;
            snprintf(labels, sizeof(labels), "method=\"%s\",code=\"%d\"", method_names[i], code);
            rc = prom_sample(out, name, m->service_label, labels, "%" PRIu64, v);
        }
    }
    return rc;
}

int metrics_write(const struct metrics *m, struct buf *out)
{
    static const char hist[] = "sidecar_request_duration_seconds";
    static const char errors[] = "sidecar_upstream_errors_total";
    static const char in_flight[] = "sidecar_in_flight";
    int rc = write_requests(m, out);

    if (rc == 0)
        rc = prom_family(out, hist, "histogram",
                         "Time from a complete request head to the end of its exchange.");
    if (rc == 0)
        rc = prom_histogram(out, hist, m->service_label, &buckets, m->buckets, m->sum_ns);
    if (rc == 0)
        rc = prom_family(out, errors, "counter",
                         "Requests that failed on the upstream side (connect, reset, timeout).");
    if (rc == 0)
        rc = prom_sample(out, errors, m->service_label, NULL, "%" PRIu64, m->upstream_errors);
    if (rc == 0)
        rc = prom_family(out, in_flight, "gauge", "Requests received and not finished yet.");
    if (rc == 0)
        rc = prom_sample(out, in_flight, m->service_label, NULL, "%" PRId64, m->in_flight);
    return rc;
}
