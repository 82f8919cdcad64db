#ifndef OSNET_ITEMS_REQLOG_H
#define OSNET_ITEMS_REQLOG_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include "api.h"

/* The service's log: one JSON object per line, one write(2) per line, so
 * lines from several threads never interleave.
 *
 *     {"time":"2026-11-22T03:00:00.123Z","level":"warn","msg":"request",
 *      "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","method":"GET",
 *      "route":"/items/{id}","path":"/items/9","status":404,
 *      "latency_ms":0.112,"client":"127.0.0.1"}
 *
 * (one line in the log). Lines below the configured level are not
 * written. */

struct reqlog {
    int fd;               /* where lines go (stderr) */
    enum items_level min; /* lines below this level are dropped */
};

/* Length of a trace id in hex, NUL excluded. */
#define REQLOG_TRACE_HEX 32

/* Room a request line needs: the path and method are cut to these many
 * bytes, which escaped (6 bytes each at worst) still fit. */
#define REQLOG_PATH_MAX   1024
#define REQLOG_METHOD_MAX 32
#define REQLOG_PEER_MAX   64
#define REQLOG_LINE_MAX   (6 * (REQLOG_PATH_MAX + REQLOG_METHOD_MAX + REQLOG_PEER_MAX) + 512)

/* "debug", "info", "warn", "error". */
const char *reqlog_level_name(enum items_level level);

/* The level of a response's line: info below 400, warn for 4xx, error
 * for 5xx. */
enum items_level reqlog_level_of(int status);

/* Writes the trace id of a request as 32 lowercase hex digits and a NUL
 * into out: the trace-id of tp[0..n) when it is a valid W3C traceparent,
 * else a fresh random one (never all zeros). tp may be NULL. */
void reqlog_trace_id(const char *tp, size_t n, char out[REQLOG_TRACE_HEX + 1]);

/* Builds the request line of o at time now with the given trace id into
 * buf[0..cap) (REQLOG_LINE_MAX is always enough). Returns its length,
 * newline included, or 0 when it did not fit. */
size_t reqlog_format_request(const struct items_observation *o, const struct timespec *now,
                             const char *trace_id, char *buf, size_t cap);

/* Builds a line {"time":..,"level":..,"msg":..} into buf[0..cap). Returns
 * its length or 0. */
size_t reqlog_format_msg(enum items_level level, const struct timespec *now, const char *msg,
                         size_t n, char *buf, size_t cap);

/* Logs the request line of o (status decides the level) unless its level
 * is below the minimum. Returns 0, or a negative errno from write(2). */
int reqlog_request(const struct reqlog *l, const struct items_observation *o);

/* Logs a line of the service's own at the given level, its message
 * printf-formatted from fmt and ap (and cut at 1024 bytes), unless the
 * level is below the minimum. Returns 0, or a negative errno from
 * write(2). */
int reqlog_vmsg(const struct reqlog *l, enum items_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
