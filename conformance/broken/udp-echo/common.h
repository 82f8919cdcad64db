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

/* Parses `--host H --port P` (host defaults to 127.0.0.1); exits 2 on misuse. */
static inline void uecho_parse_args(int argc, char **argv, struct uecho_opts *o)
{
	o->host = "127.0.0.1";
	o->port = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			o->host = argv[++i];
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			o->port = argv[++i];
		else
			o->port = NULL, i = argc;
	}
	if (o->port == NULL) {
		fprintf(stderr, "usage: %s --host H --port P\n", argv[0]);
		exit(2);
	}
}

/* Returns a UDP socket bound to host:port; exits 1 on failure. */
static inline int uecho_bind(const char *host, const char *port)
{
	int fd = broken_bind(host, port, SOCK_DGRAM, 0);
	int size = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return fd;
}

/* A correct server: answers each datagram with the same bytes, to its
 * sender, from the socket it arrived on; errors sending are ignored (an
 * ICMP error for one client is no reason to stop serving the others). */
static inline int uecho_serve(int fd)
{
	static char buf[UECHO_MAX];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			perror("recvfrom");
			return 1;
		}
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
	}
}

#endif
