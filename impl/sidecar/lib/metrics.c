#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From 1 ms to 60 s: a sidecar's requests are mostly a few milliseconds,
 * and the upstream timeout (60 s by default) bounds the slowest. The
 * bounds are integers (ns), so which bucket a request lands in never
 * depends on floating-point rounding. */
const uint64_t metrics_bucket_ns[METRICS_BUCKETS] = {
    1000000,   2500000,   5000000,    10000000,   25000000,   50000000,    100000000,
    250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000, 60000000000,
};
const char *const metrics_bucket_le[METRICS_BUCKETS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",  "0.5",    "1",     "2.5",  "5",     "10",   "60",
};

static const char *const method_names[METRICS_METHODS] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "OTHER",
};

size_t metrics_escape_label(const char *s, size_t n, char *out)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' || c == '"') {
            out[len++] = '\\';
            out[len++] = c;
        } else if (c == '\n') {
            out[len++] = '\\';
            out[len++] = 'n';
        } else {
            out[len++] = c;
        }
    }
    return len;
}

int metrics_init(struct metrics *m, const char *service)
{
    size_t n = strlen(service);
    static const char pre[] = "service=\"";

    memset(m, 0, sizeof(*m));
    m->service_label = malloc(sizeof(pre) + 2 * n + 1);
    if (m->service_label == NULL)
        return -ENOMEM;
    memcpy(m->service_label, pre, sizeof(pre) - 1);
    n = sizeof(pre) - 1 + metrics_escape_label(service, n, m->service_label + sizeof(pre) - 1);
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
    size_t b = 0;

    if (code < 0 || code >= METRICS_CODES)
        code = 0;
    m->requests[metrics_method_index(method)][code]++;
    while (b < METRICS_BUCKETS && duration_ns > metrics_bucket_ns[b])
        b++; /* le is inclusive: a duration equal to a bound is in its bucket */
    m->buckets[b]++;
    m->count++;
    m->sum_ns += duration_ns;
}

/* Appends one formatted line (at most 512 bytes: every line here is far
 * shorter, but for the service label, which is appended apart). */
static int put(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int put(struct buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -EINVAL;
    return buf_append(out, line, (size_t)n);
}

/* Appends `name{service="..."` (the caller closes the braces or adds
 * more labels). */
static int open_sample(struct buf *out, const struct metrics *m, const char *name)
{
    int rc = buf_append(out, name, strlen(name));

    if (rc == 0)
        rc = buf_append(out, "{", 1);
    if (rc == 0)
        rc = buf_append(out, m->service_label, strlen(m->service_label));
    return rc;
}

static int family(struct buf *out, const char *name, const char *type, const char *help)
{
    return put(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int write_requests(const struct metrics *m, struct buf *out)
{
    static const char name[] = "sidecar_requests_total";
    int rc =
        family(out, name, "counter", "Requests forwarded, by method and response status code.");

    for (int i = 0; i < METRICS_METHODS && rc == 0; i++) {
        for (int code = 0; code < METRICS_CODES && rc == 0; code++) {
            uint64_t v = m->requests[i][code];
            /* A series appears once it has counted something: Prometheus
             * treats a series that shows up as starting from zero. */
            if (v == 0)
                continue;
            rc = open_sample(out, m, name);
            if (rc == 0)
                rc =
                    put(out, ",method=\"%s\",code=\"%d\"} %" PRIu64 "\n", method_names[i], code, v);
        }
    }
    return rc;
}

/* Writes ns as seconds with nine decimals, exactly ("0.004123456"). */
static int put_seconds(struct buf *out, uint64_t ns)
{
    return put(out, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

static int write_histogram(const struct metrics *m, struct buf *out)
{
    static const char name[] = "sidecar_request_duration_seconds";
    uint64_t cum = 0;
    int rc = family(out, name, "histogram",
                    "Time from a complete request head to the end of its exchange.");

    for (size_t b = 0; b <= METRICS_BUCKETS && rc == 0; b++) {
        cum += m->buckets[b];
        rc = open_sample(out, m, "sidecar_request_duration_seconds_bucket");
        if (rc == 0)
            rc = put(out, ",le=\"%s\"} %" PRIu64 "\n",
                     b < METRICS_BUCKETS ? metrics_bucket_le[b] : "+Inf", cum);
    }
    if (rc == 0)
        rc = open_sample(out, m, "sidecar_request_duration_seconds_sum");
    if (rc == 0)
        rc = put(out, "} ");
    if (rc == 0)
        rc = put_seconds(out, m->sum_ns);
    if (rc == 0)
        rc = put(out, "\n");
    if (rc == 0)
        rc = open_sample(out, m, "sidecar_request_duration_seconds_count");
    if (rc == 0)
        rc = put(out, "} %" PRIu64 "\n", m->count);
    return rc;
}

static int write_scalar(const struct metrics *m, struct buf *out, const char *name,
                        const char *type, const char *help, const char *value)
{
    int rc = family(out, name, type, help);

    if (rc == 0)
        rc = open_sample(out, m, name);
    if (rc == 0)
        rc = put(out, "} %s\n", value);
    return rc;
}

int metrics_write(const struct metrics *m, struct buf *out)
{
    char v[32];
    int rc = write_requests(m, out);

    if (rc == 0)
        rc = write_histogram(m, out);
    if (rc == 0) {
        snprintf(v, sizeof(v), "%" PRIu64, m->upstream_errors);
        rc =
            write_scalar(m, out, "sidecar_upstream_errors_total", "counter",
                         "Requests that failed on the upstream side (connect, reset, timeout).", v);
    }
    if (rc == 0) {
        snprintf(v, sizeof(v), "%" PRId64, m->in_flight);
        rc = write_scalar(m, out, "sidecar_in_flight", "gauge",
                          "Requests received and not finished yet.", v);
    }
    return rc;
}
