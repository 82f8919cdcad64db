#ifndef OSNET_ACCEPTOR_H
#define OSNET_ACCEPTOR_H

#include <sys/socket.h>

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

/* Takes an accepted connection fd (non-blocking, close-on-exec) and the
 * peer's address as accept() reported it (peer_len bytes at peer; a
 * struct sockaddr_in or sockaddr_in6 for TCP). The address is only valid
 * during the call. Returns 0 when the callee took fd (and now owns it), or
 * a negative errno when it could not (typically -ENOMEM): the acceptor then
 * closes fd and pauses accepting as for a lack of resources. A callee that
 * wants to tell the peer why (one "server busy" line) may write to fd
 * before returning the error, but must not close it.
 *
 * Why the address comes with the connection rather than from
 * getpeername() in the callback: accept() fills it in within the same
 * system call for free, whereas getpeername() is one more system call per
 * connection, and fails (ENOTCONN) when the peer has already reset the
 * connection, so a server that logs its peers would miss exactly the odd
 * ones. Servers that do not care ignore two parameters. */
typedef int acceptor_cb(int fd, const struct sockaddr *peer, socklen_t peer_len, void *ctx);

/* Listens on host:port (net_listen: SO_REUSEADDR, close-on-exec,
 * non-blocking, backlog SOMAXCONN; port 0 for a free one), watches the
 * socket on loop and calls cb(fd, peer, peer_len, ctx) with each accepted
 * connection. Logs "listening on 127.0.0.1:7007" once it is ready, or
 * "cannot listen on <host>:<port>: <why>" (error level). The acceptor
 * opened the socket, so it owns it: acceptor_destroy() closes it. Returns 0
 * and stores the acceptor in *out, or a negative errno (nothing is left
 * open or watched then). */
int acceptor_listen(struct loop *loop, const char *host, unsigned port, acceptor_cb *cb, void *ctx,
                    struct acceptor **out);

/* acceptor_listen() with a listen backlog of its own instead of SOMAXCONN
 * (the kernel caps it at net.core.somaxconn). */
int acceptor_listen_backlog(struct loop *loop, const char *host, unsigned port, int backlog,
                            acceptor_cb *cb, void *ctx, struct acceptor **out);

/* Like acceptor_listen(), for a listening socket the caller opened itself
 * (with options net_listen() does not set, such as SO_REUSEPORT for one
 * listener per thread). listen_fd must be listening and non-blocking
 * (-EINVAL otherwise). Logs nothing: the caller knows best what to say.
 *
 * Ownership follows "whoever opened it closes it": listen_fd stays the
 * caller's. acceptor_destroy() stops watching it but leaves it open, and
 * the caller closes it after acceptor_destroy(), never before (the loop
 * would still be watching a closed, possibly reused, descriptor). Returns 0
 * and stores the acceptor in *out, or a negative errno (nothing is watched
 * then). */
int acceptor_adopt(struct loop *loop, int listen_fd, acceptor_cb *cb, void *ctx,
                   struct acceptor **out);

/* Returns the listening socket (for net_local_port() and the like); it
 * stays the acceptor's. */
int acceptor_fd(const struct acceptor *a);

/* Stops watching the listener (paused or not), closes it if the acceptor
 * opened it (acceptor_listen(), not acceptor_adopt()), drops the backoff
 * timer and frees the acceptor. Call it before loop_destroy(), not from the
 * acceptor's own callback. NULL is ignored. */
void acceptor_destroy(struct acceptor *a);

#endif
