#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From half a millisecond (a read from memory) to 10 s. The bounds are
 * integers (ns), so which bucket a response lands in never depends on
 * floating-point rounding. */
const uint64_t metrics_bucket_ns[METRICS_BUCKETS] = {
    500000,    1000000,   2500000,   5000000,    10000000,   25000000,   50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
const char *const metrics_bucket_le[METRICS_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10",
};

static const char *const method_names[METRICS_METHODS] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
};

static const char *const route_names[METRICS_ROUTES] = {
    "/items", "/items/{id}", "/metrics", "/healthz", "other",
};

struct histogram {
    uint64_t
        buckets[METRICS_BUCKETS + 1]; /* per bucket, not cumulative; the last: past every bound */
    uint64_t count;
    uint64_t sum_ns;
};

struct metrics {
    pthread_mutex_t lock;
    uint64_t requests[METRICS_METHODS][METRICS_ROUTES][METRICS_STATUSES];
    struct histogram durations[METRICS_METHODS][METRICS_ROUTES];
    atomic_int_fast64_t connections;
};

int metrics_open(struct metrics **out)
{
    struct metrics *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return -ENOMEM;
    pthread_mutex_init(&m->lock, NULL);
    atomic_init(&m->connections, 0);
    *out = m;
    return 0;
}

void metrics_close(struct metrics *m)
{
    if (m == NULL)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

int metrics_method_index(const char *method)
{
    for (int i = 0; method != NULL && i < METRICS_METHODS - 1; i++) {
        if (strcmp(method, method_names[i]) == 0)
            return i;
    }
    return METRICS_METHODS - 1;
}

int metrics_route_index(const char *route)
{
    for (int i = 0; route != NULL && i < METRICS_ROUTES - 1; i++) {
        if (strcmp(route, route_names[i]) == 0)
            return i;
    }
    return METRICS_ROUTES - 1;
}

void metrics_observe(struct metrics *m, const char *method, const char *route, int status,
                     uint64_t ns)
{
    int mi = metrics_method_index(method), ri = metrics_route_index(route);
    size_t b = 0;
    struct histogram *h;

    if (status < METRICS_STATUS_MIN || status >= METRICS_STATUS_MIN + METRICS_STATUSES)
        status = 500;
    while (b < METRICS_BUCKETS && ns > metrics_bucket_ns[b])
        b++; /* le is inclusive: a duration equal to a bound is in its bucket */
    pthread_mutex_lock(&m->lock);
    m->requests[mi][ri][status - METRICS_STATUS_MIN]++;
    h = &m->durations[mi][ri];
    h->buckets[b]++;
    h->count++;
    h->sum_ns += ns;
    pthread_mutex_unlock(&m->lock);
}

void metrics_connections(struct metrics *m, int delta)
{
    atomic_fetch_add(&m->connections, delta);
}

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

/* Appends one formatted piece (every piece here is far below 256 bytes). */
static int put(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int put(struct buf *out, const char *fmt, ...)
{
    char s[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(s, sizeof(s), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(s))
        return -EINVAL;
    return buf_append(out, s, (size_t)n);
}

static int family(struct buf *out, const char *name, const char *type, const char *help)
{
    return put(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends `name{method="..",route=".."` with the values escaped; the
 * caller adds more labels or the closing brace. Our label values are
 * constants that need no escaping, but the writer does not rely on it. */
static int series(struct buf *out, const char *name, int mi, int ri)
{
    char m[2 * 16], r[2 * 16];
    size_t mn = metrics_escape_label(method_names[mi], strlen(method_names[mi]), m);
    size_t rn = metrics_escape_label(route_names[ri], strlen(route_names[ri]), r);

    return put(out, "%s{method=\"%.*s\",route=\"%.*s\"", name, (int)mn, m, (int)rn, r);
}

static int write_requests(const struct metrics *m, struct buf *out)
{
    int rc = family(out, "http_requests_total", "counter",
                    "Requests answered, by method, route and status.");

    for (int mi = 0; mi < METRICS_METHODS && rc == 0; mi++) {
        for (int ri = 0; ri < METRICS_ROUTES && rc == 0; ri++) {
            for (int s = 0; s < METRICS_STATUSES && rc == 0; s++) {
                uint64_t v = m->requests[mi][ri][s];
                /* A series appears once it has counted something:
                 * Prometheus reads a new series as starting from zero. */
                if (v == 0)
                    continue;
                rc = series(out, "http_requests_total", mi, ri);
                if (rc == 0)
                    rc = put(out, ",status=\"%d\"} %" PRIu64 "\n", s + METRICS_STATUS_MIN, v);
            }
        }
    }
    return rc;
}

/* Writes ns as seconds, exactly and without trailing zeros ("0.000731",
 * "2", "0"): a decimal that promtool and every Prometheus parser read. */
static int put_seconds(struct buf *out, uint64_t ns)
{
    char frac[16];
    int n = snprintf(frac, sizeof(frac), "%09" PRIu64, ns % 1000000000u);

    while (n > 0 && frac[n - 1] == '0')
        n--;
    if (n == 0)
        return put(out, "%" PRIu64, ns / 1000000000u);
    return put(out, "%" PRIu64 ".%.*s", ns / 1000000000u, n, frac);
}

static int write_histogram(const struct histogram *h, int mi, int ri, struct buf *out)
{
    uint64_t cum = 0;
    int rc = 0;

    for (size_t b = 0; b <= METRICS_BUCKETS && rc == 0; b++) {
        cum += h->buckets[b];
        rc = series(out, "http_request_duration_seconds_bucket", mi, ri);
        if (rc == 0)
            rc = put(out, ",le=\"%s\"} %" PRIu64 "\n",
                     b < METRICS_BUCKETS ? metrics_bucket_le[b] : "+Inf", cum);
    }
    if (rc == 0)
        rc = series(out, "http_request_duration_seconds_sum", mi, ri);
    if (rc == 0)
        rc = put(out, "} ");
    if (rc == 0)
        rc = put_seconds(out, h->sum_ns);
    if (rc == 0)
        rc = put(out, "\n");
    if (rc == 0)
        rc = series(out, "http_request_duration_seconds_count", mi, ri);
    if (rc == 0)
        rc = put(out, "} %" PRIu64 "\n", h->count);
    return rc;
}

static int write_durations(const struct metrics *m, struct buf *out)
{
    int rc = family(out, "http_request_duration_seconds", "histogram",
                    "Time from a complete request head to its response, by method and route.");

    for (int mi = 0; mi < METRICS_METHODS && rc == 0; mi++) {
        for (int ri = 0; ri < METRICS_ROUTES && rc == 0; ri++) {
            if (m->durations[mi][ri].count > 0)
                rc = write_histogram(&m->durations[mi][ri], mi, ri, out);
        }
    }
    return rc;
}

static int write_gauge(struct buf *out, const char *name, const char *help, int64_t v)
{
    int rc = family(out, name, "gauge", help);

    if (rc == 0)
        rc = put(out, "%s %" PRId64 "\n", name, v);
    return rc;
}

int metrics_write(struct metrics *m, const struct metrics_gauges *g, struct buf *out)
{
    int rc;

    pthread_mutex_lock(&m->lock);
    rc = write_requests(m, out);
    if (rc == 0)
        rc = write_durations(m, out);
    pthread_mutex_unlock(&m->lock);
    if (rc == 0)
        rc = write_gauge(out, "active_connections", "Client connections open now.",
                         (int64_t)atomic_load(&m->connections));
    if (rc == 0)
        rc = write_gauge(out, "rate_limit_clients", "Client addresses holding a token bucket.",
                         (int64_t)g->rate_limit_clients);
    if (rc == 0)
        rc = write_gauge(out, "items_stored", "Items in the store.", (int64_t)g->items_stored);
    return rc;
}
