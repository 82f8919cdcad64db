#ifndef OSNET_ACCEPTOR_H
#define OSNET_ACCEPTOR_H

#include "loop.h"

/* The accept side of an event-loop TCP server: owns a non-blocking
 * listening socket, watches it on a loop and hands every new connection to
 * a callback.
 *
 * On each wakeup it accepts at most ACCEPTOR_PER_WAKEUP connections, so a
 * crowd of newcomers (or an accept that keeps failing) cannot keep the loop
 * from the connections it already serves; the listener is level-triggered,
 * so the rest come on the next iteration. accept() errors are sorted by
 * net_accept_classify():
 *
 * - EAGAIN: the queue is empty; wait for the next wakeup.
 * - transient (ECONNABORTED, EINTR, ...): that one connection is lost
 *   (logged at debug level); accept the next one at once.
 * - anything else (EMFILE, ENFILE, ENOBUFS, ENOMEM, or a fatal error): stop
 *   watching the listener for ACCEPTOR_BACKOFF_MS and keep serving, since
 *   accepting again at once would spin while the cause outlasts one
 *   iteration; pending connections wait in the kernel's queue meanwhile.
 *
 * An episode of failures is logged once, when it starts ("accept: Too many
 * open files; pausing accept for 100 ms (logged once until accept
 * succeeds)", at warn level for a lack of resources and error level
 * otherwise), and once when an accept succeeds again ("accept: working
 * again", info level). */

#define ACCEPTOR_PER_WAKEUP 64
#define ACCEPTOR_BACKOFF_MS 100

struct acceptor;

/* Takes an accepted connection fd (non-blocking, close-on-exec). Returns 0
 * when the callee took it (and now owns fd), or a negative errno when it
 * could not (typically -ENOMEM): the acceptor then closes fd and pauses
 * accepting as for a lack of resources. A callee that wants to tell the
 * peer why (one "server busy" line) may write to fd before returning the
 * error, but must not close it. */
typedef int acceptor_cb(int fd, void *ctx);

/* Listens on host:port (net_listen: SO_REUSEADDR, close-on-exec,
 * non-blocking, backlog SOMAXCONN; port 0 for a free one), watches the
 * socket on loop and calls cb(fd, ctx) with each accepted connection. Logs
 * "listening on 127.0.0.1:7007" once it is ready, or "cannot listen on
 * <host>:<port>: <why>" (error level). Returns 0 and stores the acceptor in
 * *out, or a negative errno (nothing is left open or watched then). */
int acceptor_listen(struct loop *loop, const char *host, unsigned port, acceptor_cb *cb, void *ctx,
                    struct acceptor **out);

/* Returns the listening socket (for net_local_port() and the like); it
 * stays the acceptor's. */
int acceptor_fd(const struct acceptor *a);

/* Stops watching the listener (paused or not), closes it, drops the backoff
 * timer and frees the acceptor. Call it before loop_destroy(), not from the acceptor's
 * own callback. NULL is ignored. */
void acceptor_destroy(struct acceptor *a);

#endif
