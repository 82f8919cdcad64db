#include "reqlog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jlog.h"
#include "trace.h"

const char *reqlog_level_name(enum items_level level)
{
    switch (level) {
    case ITEMS_DEBUG:
        return "debug";
    case ITEMS_INFO:
        return "info";
    case ITEMS_WARN:
        return "warn";
    case ITEMS_ERROR:
        break;
    }
    return "error";
}

enum items_level reqlog_level_of(int status)
{
    if (status >= 500)
        return ITEMS_ERROR;
    if (status >= 400)
        return ITEMS_WARN;
    return ITEMS_INFO;
}

void reqlog_trace_id(const char *tp, size_t n, char out[REQLOG_TRACE_HEX + 1])
{
    /* One pool of random bytes per thread: the front ends log from
     * several threads at once, and a shared pool would need a lock. */
    static _Thread_local struct trace_rng rng;
    struct trace_parent parent;
    uint8_t id[TRACE_ID_BYTES];

    if (tp != NULL && trace_parse(tp, n, &parent) == 0) {
        trace_hex(parent.trace_id, TRACE_ID_BYTES, out);
        return;
    }
    if (trace_random_id(&rng, id, sizeof(id)) < 0) {
        /* getrandom() failed, which Linux does not do once booted. An id
         * that is unique within this process beats no line at all. */
        static _Atomic uint64_t counter;
        struct timespec ts;
        uint64_t c = ++counter, t;

        clock_gettime(CLOCK_REALTIME, &ts);
        t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        memcpy(id, &t, 8);
        memcpy(id + 8, &c, 8);
    }
    trace_hex(id, TRACE_ID_BYTES, out);
}

/* Adds "time" and "level", the first two members of every line. */
static void begin(struct jlog_line *j, char *buf, size_t cap, const struct timespec *now,
                  enum items_level level)
{
    char t[JLOG_TIME_LEN + 1];

    jlog_begin(j, buf, cap);
    if (jlog_time(now, t) == 0)
        strcpy(t, "1970-01-01T00:00:00.000Z"); /* a clock gmtime cannot show */
    jlog_cstr(j, "time", t);
    jlog_cstr(j, "level", reqlog_level_name(level));
}

size_t reqlog_format_request(const struct items_observation *o, const struct timespec *now,
                             const char *trace_id, char *buf, size_t cap)
{
    struct jlog_line j;

    begin(&j, buf, cap, now, reqlog_level_of(o->status));
    jlog_cstr(&j, "msg", "request");
    jlog_cstr(&j, "trace_id", trace_id);
    /* Method and path come from the client: cut, so that one line always
     * fits its buffer whatever was sent (jlog escapes what is kept). */
    if (o->method != NULL)
        jlog_str(&j, "method", o->method, strnlen(o->method, REQLOG_METHOD_MAX));
    else
        jlog_null(&j, "method");
    jlog_cstr(&j, "route", o->route != NULL ? o->route : ITEMS_ROUTE_OTHER);
    if (o->path != NULL)
        jlog_str(&j, "path", o->path,
                 o->path_len < REQLOG_PATH_MAX ? o->path_len : REQLOG_PATH_MAX);
    else
        jlog_null(&j, "path");
    jlog_int(&j, "status", o->status);
    jlog_ms(&j, "latency_ms", o->ns);
    if (o->peer != NULL)
        jlog_str(&j, "client", o->peer, strnlen(o->peer, REQLOG_PEER_MAX));
    else
        jlog_null(&j, "client");
    return jlog_end(&j);
}

size_t reqlog_format_msg(enum items_level level, const struct timespec *now, const char *msg,
                         size_t n, char *buf, size_t cap)
{
    struct jlog_line j;

    begin(&j, buf, cap, now, level);
    jlog_str(&j, "msg", msg, n);
    return jlog_end(&j);
}

/* Writes the whole line with as few write(2) calls as the kernel allows:
 * one, for a line below PIPE_BUF bytes going to a pipe, which is also what
 * keeps lines of concurrent threads from interleaving. */
static int write_line(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int reqlog_request(const struct reqlog *l, const struct items_observation *o)
{
    char line[REQLOG_LINE_MAX], trace_id[REQLOG_TRACE_HEX + 1];
    struct timespec now;
    size_t n;

    if (reqlog_level_of(o->status) < l->min || l->fd < 0)
        return 0;
    clock_gettime(CLOCK_REALTIME, &now);
    reqlog_trace_id(o->traceparent, o->traceparent_len, trace_id);
    n = reqlog_format_request(o, &now, trace_id, line, sizeof(line));
    return n > 0 ? write_line(l->fd, line, n) : -ENOBUFS;
}

int reqlog_vmsg(const struct reqlog *l, enum items_level level, const char *fmt, va_list ap)
{
    char msg[1024], line[6 * sizeof(msg) + 256];
    struct timespec now;
    size_t len;
    int n;

    if (level < l->min || l->fd < 0)
        return 0;
    clock_gettime(CLOCK_REALTIME, &now);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0)
        return -EINVAL;
    len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    len = reqlog_format_msg(level, &now, msg, len, line, sizeof(line));
    return len > 0 ? write_line(l->fd, line, len) : -ENOBUFS;
}
