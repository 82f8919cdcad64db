#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* From half a millisecond (a read from memory) to 10 s. The bounds are
 * integers (ns), so which bucket a response lands in never depends on
 * floating-point rounding. */
const uint64_t metrics_bucket_ns[METRICS_BUCKETS] = {
    500000,    1000000,   2500000,   5000000,    10000000,   25000000,   50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
static const struct prom_buckets buckets = {metrics_bucket_ns, METRICS_BUCKETS};

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
    size_t b = prom_bucket(&buckets, ns);
    struct histogram *h;

    if (status < METRICS_STATUS_MIN || status >= METRICS_STATUS_MIN + METRICS_STATUSES)
        status = 500;
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

/* Room for a series' label pairs: the longest method and route label,
 * escaped (twice their length at worst), and the punctuation. */
#define SERIES_LABELS_MAX (sizeof("method=\"\",route=\"\"") + 2 * 16 + 2 * 16)

/* Writes the label pairs of a series, `method="GET",route="/items/{id}"`,
 * into out. Our label values are constants that need no escaping, but
 * the writer does not rely on it. */
static void series_labels(int mi, int ri, char out[SERIES_LABELS_MAX])
{
    char m[2 * 16], r[2 * 16];
    size_t mn = prom_escape_label(method_names[mi], strlen(method_names[mi]), m);
    size_t rn = prom_escape_label(route_names[ri], strlen(route_names[ri]), r);

    snprintf(out, SERIES_LABELS_MAX, "method=\"%.*s\",route=\"%.*s\"", (int)mn, m, (int)rn, r);
}

static int write_requests(const struct metrics *m, struct buf *out)
{
    static const char name[] = "http_requests_total";
    char labels[SERIES_LABELS_MAX], status[32];
    int rc = prom_family(out, name, "counter", "Requests answered, by method, route and status.");

    for (int mi = 0; mi < METRICS_METHODS && rc == 0; mi++) {
        for (int ri = 0; ri < METRICS_ROUTES && rc == 0; ri++) {
            series_labels(mi, ri, labels);
            for (int s = 0; s < METRICS_STATUSES && rc == 0; s++) {
                uint64_t v = m->requests[mi][ri][s];
                /* A series appears once it has counted something:
                 * Prometheus reads a new series as starting from zero. */
                if (v == 0)
                    continue;
                snprintf(status, sizeof(status), "status=\"%d\"", s + METRICS_STATUS_MIN);
                rc = prom_sample(out, name, labels, status, "%" PRIu64, v);
            }
        }
    }
    return rc;
}

static int write_durations(const struct metrics *m, struct buf *out)
{
    static const char name[] = "http_request_duration_seconds";
    char labels[SERIES_LABELS_MAX];
    int rc = prom_family(out, name, "histogram",
                         "Time from a complete request head to its response, by method and route.");

    for (int mi = 0; mi < METRICS_METHODS && rc == 0; mi++) {
        for (int ri = 0; ri < METRICS_ROUTES && rc == 0; ri++) {
            const struct histogram *h = &m->durations[mi][ri];

            if (h->count == 0)
                continue;
            series_labels(mi, ri, labels);
            rc = prom_histogram(out, name, labels, &buckets, h->buckets, h->sum_ns);
        }
    }
    return rc;
}

static int write_gauge(struct buf *out, const char *name, const char *help, int64_t v)
{
    int rc = prom_family(out, name, "gauge", help);

    if (rc == 0)
        rc = prom_sample(out, name, NULL, NULL, "%" PRId64, v);
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
