/* Shared, correct plumbing for the deliberately broken UDP echo servers.
 *
 * Argument parsing, the bound UDP socket (with a receive buffer large enough
 * for bursts), and a correct receive-and-answer loop are right on purpose,
 * so that each broken program differs from a correct server only in the
 * lines it marks with BUG.
 */
#ifndef OSNET_BROKEN_UECHO_COMMON_H
#define OSNET_BROKEN_UECHO_COMMON_H

#include "../broken.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* The largest UDP payload over IPv4, plus one byte to notice truncation. */
#define UECHO_MAX 65536

struct uecho_opts {
	const char *host;
	const char *port;
};

/* Parses `--host H --port P` (broken_parse_addr); exits 2 on misuse. */
static inline void uecho_parse_args(int argc, char **argv, struct uecho_opts *o)
{
	broken_parse_addr(argc, argv, &o->host, &o->port);
}

/* Returns a UDP socket bound to host:port; exits 1 on failure. */
static inline int uecho_bind(const char *host, const char *port)
{
	int fd = broken_bind(host, port, SOCK_DGRAM, 0);
	int size = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return fd;
}

/* One datagram as received: its bytes (buf has room for one byte more than
 * UECHO_MAX, so a program may end them with a NUL) and its sender. */
struct uecho_dgram {
	int fd;
	char *buf;
	size_t n;
	struct sockaddr_storage from;
	socklen_t fromlen;
};

/* How a server answers a datagram. A broken program passes its own to
 * uecho_serve(); each shows its bug in a few lines. */
typedef void uecho_answer_fn(struct uecho_dgram *d);

/* The correct answer: the same bytes, to the sender, from the socket the
 * datagram arrived on; a send error is ignored (an ICMP error for one client
 * is no reason to stop serving the others). */
static inline void uecho_answer(struct uecho_dgram *d)
{
	sendto(d->fd, d->buf, d->n, 0, (struct sockaddr *)&d->from, d->fromlen);
}

/* Receives each datagram (at most recv_max bytes of it: UECHO_MAX reads any
 * datagram whole) and answers it with answer(). */
static inline int uecho_serve_with(int fd, uecho_answer_fn *answer, size_t recv_max)
{
	static char buf[UECHO_MAX + 1];
	for (;;) {
		struct uecho_dgram d = {.fd = fd, .buf = buf, .fromlen = sizeof d.from};
		ssize_t n = recvfrom(fd, buf, recv_max, 0, (struct sockaddr *)&d.from, &d.fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			perror("recvfrom");
			return 1;
		}
		d.n = (size_t)n;
		answer(&d);
	}
}

/* A server whose only fault, if any, is in answer(). */
static inline int uecho_serve(int fd, uecho_answer_fn *answer)
{
	return uecho_serve_with(fd, answer, UECHO_MAX);
}

#endif
