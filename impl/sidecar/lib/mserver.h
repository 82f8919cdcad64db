#ifndef OSNET_SIDECAR_MSERVER_H
#define OSNET_SIDECAR_MSERVER_H

#include "buf.h"
#include "http_parse.h"
#include "loop.h"

/* The metrics endpoint: a tiny HTTP/1.1 server for one resource, GET
 * /metrics, on its own listening socket but on the sidecar's event loop.
 *
 * Prometheus scrapes every few seconds over one persistent connection, so
 * the server keeps connections open (HTTP/1.1 keep-alive) and answers
 * pipelined requests in order. Requests are parsed by the HTTP server's
 * parser (http_parse_request), so a scrape is held to the same grammar and
 * limits as any request. It never forwards anything: any other path is 404.
 * The body is made fresh for every GET by a callback (the exposition of the
 * current counters). */

#define MSERVER_PATH         "/metrics"
#define MSERVER_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MSERVER_MAX_CONNS    64 /* scrapers are few; more are closed at once */

struct mserver;

/* Appends the response body to out. Returns 0 or -errno (the client then
 * gets a 500). */
typedef int mserver_body_cb(void *ctx, struct buf *out);

/* Listens on host:port (0: any free port) on loop. idle_ms: a connection
 * with no complete request for that long is closed. Returns 0 and *out, or
 * -errno (logged as the acceptor does). */
int mserver_create(struct loop *loop, const char *host, unsigned port, unsigned idle_ms,
                   mserver_body_cb *cb, void *ctx, struct mserver **out);

/* Closes every connection and the listener and frees the server. Call it
 * before loop_destroy(). NULL is ignored. */
void mserver_destroy(struct mserver *m);

/* Returns the port the server listens on, or -errno. */
int mserver_port(const struct mserver *m);

/* Which status a parsed request gets: 200 for GET or HEAD of /metrics (a
 * query string is ignored), 405 for another method on /metrics, 404 for
 * any other path. */
int mserver_route(const struct http_request *req);

#endif
