#include "prom.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t prom_escape_label(const char *s, size_t n, char *out)
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

size_t prom_seconds(uint64_t ns, char *out)
{
    int n = snprintf(out, PROM_SECONDS_MAX, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u,
                     ns % 1000000000u);

    while (out[n - 1] == '0')
        n--;
    if (out[n - 1] == '.')
        n--;
    out[n] = '\0';
    return (size_t)n;
}

static int put_str(struct buf *out, const char *s)
{
    return buf_append(out, s, strlen(s));
}

int prom_family(struct buf *out, const char *name, const char *type, const char *help)
{
    const char *parts[] = {"# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n"};
    int rc = 0;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && rc == 0; i++)
        rc = put_str(out, parts[i]);
    return rc;
}

/* Appends name suffix{labels,more} value: the label sets go through
 * buf_append() whole, so no line length limits them. */
static int sample_line(struct buf *out, const char *name, const char *suffix, const char *labels,
                       const char *more, const char *value)
{
    bool has_labels = labels != NULL && labels[0] != '\0';
    bool has_more = more != NULL && more[0] != '\0';
    int rc = put_str(out, name);

    if (rc == 0)
        rc = put_str(out, suffix);
    if (rc == 0 && (has_labels || has_more)) {
        rc = put_str(out, "{");
        if (rc == 0 && has_labels)
            rc = put_str(out, labels);
        if (rc == 0 && has_labels && has_more)
            rc = put_str(out, ",");
        if (rc == 0 && has_more)
            rc = put_str(out, more);
        if (rc == 0)
            rc = put_str(out, "}");
    }
    if (rc == 0)
        rc = put_str(out, " ");
    if (rc == 0)
        rc = put_str(out, value);
    if (rc == 0)
        rc = put_str(out, "\n");
    return rc;
}

int prom_sample(struct buf *out, const char *name, const char *labels, const char *more,
                const char *fmt, ...)
{
    char value[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(value))
        return -EINVAL;
    return sample_line(out, name, "", labels, more, value);
}

size_t prom_bucket(const struct prom_buckets *b, uint64_t ns)
{
    size_t i = 0;

    while (i < b->n && ns > b->bound_ns[i])
        i++;
    return i;
}

int prom_histogram(struct buf *out, const char *name, const char *labels,
                   const struct prom_buckets *b, const uint64_t *counts, uint64_t sum_ns)
{
    char le[sizeof("le=\"\"") + PROM_SECONDS_MAX], v[PROM_SECONDS_MAX];
    uint64_t cum = 0;
    int rc = 0;

    for (size_t i = 0; i <= b->n && rc == 0; i++) {
        char bound[PROM_SECONDS_MAX] = "+Inf";

        if (i < b->n)
            prom_seconds(b->bound_ns[i], bound);
        cum += counts[i];
        snprintf(le, sizeof(le), "le=\"%s\"", bound);
        snprintf(v, sizeof(v), "%" PRIu64, cum);
        rc = sample_line(out, name, "_bucket", labels, le, v);
    }
    prom_seconds(sum_ns, v);
    if (rc == 0)
        rc = sample_line(out, name, "_sum", labels, NULL, v);
    snprintf(v, sizeof(v), "%" PRIu64, cum);
    if (rc == 0)
        rc = sample_line(out, name, "_count", labels, NULL, v);
    return rc;
}
