#ifndef OSNET_HTTP_LISTENERS_H
#define OSNET_HTTP_LISTENERS_H

/* The listening sockets of a multi-threaded server: one per worker, all on
 * the same address and port with SO_REUSEPORT, so that the kernel spreads
 * new connections over them and no two threads ever compete for one
 * accept queue (see worker.h). */

/* Opens n (at least 1) non-blocking listening sockets on host:port into
 * fds[0..n). The first binds the first address host resolves to that
 * works (NULL or "": every local address; port 0: the kernel picks a free
 * one); the others bind the very address and port the first got. Returns
 * 0, or a negative errno (-EADDRNOTAVAIL when host does not resolve) after
 * closing every socket it opened. */
int listeners_open(const char *host, unsigned port, int *fds, unsigned n);

#endif
