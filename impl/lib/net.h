#ifndef OSNET_NET_H
#define OSNET_NET_H

#include <stdbool.h>
#include <stddef.h>

/* TCP and UDP socket helpers. Every socket is created with SOCK_CLOEXEC so a program
 * that runs children never leaks its sockets into them. Functions return a
 * file descriptor or 0 on success and a negative errno on failure; name
 * resolution failures are mapped to errno values (see net_listen). */

/* Flag for net_listen and net_connect: create the socket with O_NONBLOCK. */
#define NET_NONBLOCK 0x1

/* Longest string net_local_addr() produces: "[" IPv6 "]:" port, NUL. */
#define NET_ADDR_MAX 64

/* Creates a TCP socket listening on host:port with SO_REUSEADDR set (so a
 * restarted server does not wait out TIME_WAIT) and the given backlog. host
 * is a name or an IPv4/IPv6 literal; NULL or "" means every local address.
 * Port 0 asks the kernel for a free port (see net_local_port). Every address
 * host resolves to is tried in turn. Returns the socket, or a negative errno:
 * the error of the last address tried, -EADDRNOTAVAIL when host does not
 * resolve, -EAGAIN when the resolver is temporarily unavailable. */
int net_listen(const char *host, unsigned port, int backlog, int flags);

/* Connects a TCP socket to host:port, trying every address host resolves to.
 * Without NET_NONBLOCK it waits for the connection and returns the socket.
 * With NET_NONBLOCK it returns as soon as a connection is started: the socket
 * becomes writable when it completes, and net_socket_error() then tells
 * whether it succeeded. Returns the socket or a negative errno (see
 * net_listen for resolution errors). */
int net_connect(const char *host, unsigned port, int flags);

/* Sets or clears O_NONBLOCK on fd. Returns 0 or a negative errno. */
int net_set_nonblock(int fd, bool on);

/* Sets or clears TCP_NODELAY on fd. Echo-style servers set it: they send
 * whatever they have at once, and Nagle's algorithm would hold a small
 * segment back until the previous one is acknowledged, which the peer may
 * delay by up to 40 ms (delayed ACK). Returns 0 or a negative errno. */
int net_set_nodelay(int fd, bool on);

/* Returns the local port fd is bound to (0..65535), or a negative errno. */
int net_local_port(int fd);

/* Writes the local address of fd as "127.0.0.1:7007" or "[::1]:7007" into
 * out (NET_ADDR_MAX bytes are always enough). Returns 0 or a negative errno
 * (-ENOSPC when out is too small). */
int net_local_addr(int fd, char *out, size_t outlen);

/* Writes the address sa (AF_INET or AF_INET6) as "127.0.0.1:7007" or
 * "[::1]:7007" into out (NET_ADDR_MAX bytes are enough). Returns 0,
 * -EAFNOSUPPORT or -ENOSPC. */
struct sockaddr;
int net_addr_str(const struct sockaddr *sa, char *out, size_t outlen);

/* Creates a UDP socket bound to host:port (host as for net_listen; port 0
 * for a free one), trying every address host resolves to. flags: NET_NONBLOCK.
 * Returns the socket or a negative errno. */
int net_udp_bind(const char *host, unsigned port, int flags);

/* Creates a UDP socket connected to host:port: send() goes there, recv()
 * returns only datagrams from there, and an ICMP port unreachable comes back
 * as ECONNREFUSED on a later call. Returns the socket or a negative errno. */
int net_udp_connect(const char *host, unsigned port, int flags);

/* Returns the pending error of fd (SO_ERROR) as a negative errno, or 0. This
 * is how the result of a non-blocking connect is read. */
int net_socket_error(int fd);

/* A lingering close's read side: after shutdown(SHUT_WR), a server reads
 * and drops what the peer still sends until it closes too (closing with
 * unread input would send an RST, which can destroy the last response in
 * the peer's kernel before it is read). Reads fd, non-blocking, into
 * scratch a few times at most, so that one sender cannot hold the loop.
 * Returns 0 to keep waiting, or -1 when the peer has closed or failed:
 * close now. */
int net_drain(int fd, char *scratch, size_t len);

/* What a server should do after accept() failed. A non-blocking caller checks
 * EAGAIN first: it means the queue is empty and it should wait for the
 * listener to become readable (it is classified TRANSIENT for blocking
 * callers, where it can only be spurious). */
enum net_accept_kind {
    /* The failure belongs to one connection (it was aborted, or a network
     * error was pending on it) or to a signal: accept again at once. */
    NET_ACCEPT_TRANSIENT,
    /* Out of file descriptors or memory: accepting again at once would spin.
     * Stop accepting for a while (about 100 ms) and keep serving. */
    NET_ACCEPT_RESOURCES,
    /* Anything else (EBADF, EINVAL, ENOTSOCK, ...): a bug or a closed
     * listener. */
    NET_ACCEPT_FATAL,
};

/* Classifies an accept()/accept4() error. err may be positive (errno) or
 * negative (an io_uring completion result). */
enum net_accept_kind net_accept_classify(int err);

#endif
