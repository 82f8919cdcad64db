#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jlog.h"

/* The most a status document may take: 64 backends of well under 1 KiB. */
#define STATUS_MAX (64 * 1024)

static int append_str(struct buf *out, const char *s)
{
    return buf_append(out, s, strlen(s));
}

/* Appends s as a JSON string (RFC 8259 §7), escaped by jlog_escape() like
 * the sidecar's log lines. Backend names are host:port as the user typed
 * them, so they are only ever plain ASCII, but a writer that trusts its
 * input to need no escaping is a bug waiting for its input to change. */
static int append_json_string(struct buf *out, const char *s)
{
    size_t n = strlen(s), avail;
    char *tail;
    int rc = buf_reserve(out, JLOG_ESCAPED_MAX(n) + 2, &tail, &avail);

    if (rc < 0)
        return rc;
    tail[0] = '"';
    n = 1 + jlog_escape(s, n, tail + 1);
    tail[n++] = '"';
    buf_commit(out, n);
    return 0;
}

int lb_status_json(const struct lb_table *t, uint64_t now, struct buf *out)
{
    char num[128];
    int rc;

    rc = append_str(out, "{\"policy\": ");
    if (rc == 0)
        rc = append_json_string(out, lb_policy_name(t->policy));
    if (rc == 0)
        rc = append_str(out, ", \"backends\": [");
    for (unsigned i = 0; rc == 0 && i < t->n; i++) {
        const struct lb_backend *b = &t->b[i];

        rc = append_str(out, i == 0 ? "{\"address\": " : ", {\"address\": ");
        if (rc == 0)
            rc = append_json_string(out, b->name);
        if (rc == 0) {
            snprintf(num, sizeof(num),
                     ", \"state\": \"%s\", \"active\": %u, \"requests\": %" PRIu64
                     ", \"failures\": %" PRIu64 "}",
                     lb_available(t, i, now) ? "up" : "down", b->active, b->requests, b->failures);
            rc = append_str(out, num);
        }
    }
    if (rc == 0)
        rc = append_str(out, "]}");
    return rc;
}

int lb_status_response(const struct lb_table *t, uint64_t now, const char *connection,
                       struct buf *out)
{
    struct buf body;
    char head[256];
    size_t saved = out->len;
    int n, rc;

    buf_init(&body, STATUS_MAX);
    rc = lb_status_json(t, now, &body);
    if (rc == 0) {
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nCache-Control: no-store\r\n%s%s%s\r\n",
                     buf_len(&body), connection != NULL ? "Connection: " : "",
                     connection != NULL ? connection : "", connection != NULL ? "\r\n" : "");
        /* Both at once or neither: the caller must not send half a head. */
        if (n < 0 || (size_t)n >= sizeof(head))
            rc = -EINVAL;
        else
            rc = buf_append(out, head, (size_t)n);
        if (rc == 0)
            rc = buf_append(out, buf_peek(&body), buf_len(&body));
        if (rc < 0)
            out->len = saved; /* the head alone must not stay (ENOMEM on the body) */
    }
    buf_free(&body);
    return rc;
}
