#ifndef OSNET_HTTP_WORKER_H
#define OSNET_HTTP_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "http_parse.h"
#include "router.h"

/* One worker thread of the HTTP server: an event loop, a listening socket
 * of its own (SO_REUSEPORT: the kernel spreads new connections over the
 * workers' sockets), and every connection it accepted, from the first byte
 * to the close. Workers share nothing but the read-only configuration, so
 * nothing here takes a lock. */

/* What a program built on the server (impl/items) learns of every
 * response, its handlers' and those the server wrote itself (400, 404,
 * 413, ...): one call each. */
struct http_request_info {
    const struct http_request *req; /* NULL when the head could not be parsed */
    const char *route; /* the pattern of the route that answered ("/items/:id"), or NULL */
    const char *peer;  /* the client's address, as text */
    int status;
    uint64_t ns; /* from the complete head to the response queued; 0 without a head */
};

/* Hooks of a program built on the server. Every member may be NULL. They
 * are called from the worker threads, at the same time in several: what
 * they touch must be thread-safe. None may block for long. */
struct http_hooks {
    void *ctx;
    void (*conn_open)(void *ctx);  /* a connection was accepted */
    void (*conn_close)(void *ctx); /* one was closed */
    void (*request_done)(void *ctx, const struct http_request_info *info);
    /* Writes the body of an error the server answers on its own (400, 404,
     * 405, 408, 413, 431, 500, 501, 505) into b and sets *content_type (a
     * static string). Returns 0, or a negative errno to send the plain
     * text default ("404 Not Found\n"). */
    int (*error_body)(void *ctx, int status, struct buf *b, const char **content_type);
};

/* What every worker reads and none writes. */
struct http_config {
    int root_fd;                /* O_PATH directory of --root; -1: no static files (404) */
    unsigned header_timeout_ms; /* a request head must be complete this long after its first byte */
    unsigned idle_timeout_ms;   /* a connection with nothing to do is closed after this long */
    unsigned handshake_timeout_ms; /* TLS: the handshake must be done this long after accept */
    unsigned send_timeout_ms;      /* reading a body or sending a response: longest stall */
    size_t max_body;               /* larger request bodies get 413 */
    SSL_CTX *tls;                  /* NULL: plain HTTP */
    int log_fd;                    /* access log, -1 for none */
    const struct router *router;
    const struct http_hooks *hooks; /* NULL for none */
    struct http_limits limits;
};

struct worker;

/* Creates a worker that will serve connections accepted on listen_fd (a
 * non-blocking listening socket, accepted from by impl/lib's acceptor). The
 * socket stays the caller's: close it after worker_destroy(). Returns 0 and
 * stores the worker in *out, or a negative errno. */
int worker_create(const struct http_config *cfg, int listen_fd, struct worker **out);

/* Runs the worker's loop until worker_stop(); then closes every connection
 * it holds. Returns 0, or a negative errno if the loop failed. Call it in
 * the worker's own thread. */
int worker_run(struct worker *w);

/* Asks the worker to stop; callable from any thread (it writes the
 * worker's eventfd). worker_run() returns at once, closing every
 * connection, answered or not. */
void worker_stop(struct worker *w);

/* Asks the worker to finish gracefully; callable from any thread. It stops
 * listening (its socket is shut down: new connections are refused), closes
 * the connections that wait for a request, answers the requests it has
 * begun to receive, each with "Connection: close", and worker_run()
 * returns once the last connection is closed. A caller that cannot wait
 * that long calls worker_stop() after. */
void worker_drain(struct worker *w);

/* Frees a worker that is not running. NULL is ignored. */
void worker_destroy(struct worker *w);

#endif
