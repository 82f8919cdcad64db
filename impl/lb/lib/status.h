#ifndef OSNET_LB_STATUS_H
#define OSNET_LB_STATUS_H

#include <stdint.h>

#include "backends.h"
#include "buf.h"

/* GET /lb/status: the backend table as JSON, in --backends order:
 *
 *     {"policy": "round-robin", "backends": [{"address": "127.0.0.1:8001",
 *      "state": "up", "active": 0, "requests": 12, "failures": 0}, ...]}
 *
 * "state" is "up" while the backend is in rotation (lb_available), "down"
 * otherwise, whether the checks took it out or a connect failure did. */

/* Appends the JSON document (no trailing newline) for t at time now to
 * out. Returns 0, or -ENOBUFS / -ENOMEM from buf_append (out may then hold
 * part of it). */
int lb_status_json(const struct lb_table *t, uint64_t now, struct buf *out);

/* Appends a whole HTTP/1.1 200 response carrying that document to out:
 * Content-Type: application/json, Content-Length, Cache-Control: no-store,
 * and "Connection: <connection>" unless connection is NULL ("close" when
 * the client connection ends with it, "keep-alive" for an HTTP/1.0 client
 * that keeps it). Returns 0 or a negative errno (nothing is appended
 * then). */
int lb_status_response(const struct lb_table *t, uint64_t now, const char *connection,
                       struct buf *out);

#endif
