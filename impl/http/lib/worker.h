#ifndef OSNET_HTTP_WORKER_H
#define OSNET_HTTP_WORKER_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "http_parse.h"
#include "router.h"

/* One worker thread of the HTTP server: an event loop, a listening socket
 * of its own (SO_REUSEPORT: the kernel spreads new connections over the
 * workers' sockets), and every connection it accepted, from the first byte
 * to the close. Workers share nothing but the read-only configuration, so
 * nothing here takes a lock. */

/* What every worker reads and none writes. */
struct http_config {
    int root_fd;                /* O_PATH directory of --root */
    unsigned header_timeout_ms; /* a request head must be complete this long after its first byte */
    unsigned idle_timeout_ms;   /* a connection with nothing to do is closed after this long */
    unsigned handshake_timeout_ms; /* TLS: the handshake must be done this long after accept */
    unsigned send_timeout_ms;      /* reading a body or sending a response: longest stall */
    size_t max_body;               /* larger request bodies get 413 */
    SSL_CTX *tls;                  /* NULL: plain HTTP */
    int log_fd;                    /* access log, -1 for none */
    const struct router *router;
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
 * worker's eventfd). */
void worker_stop(struct worker *w);

/* Frees a worker that is not running. NULL is ignored. */
void worker_destroy(struct worker *w);

#endif
