/* broken.h - what every broken program shares, whatever its component: a
 * socket bound to the address the harness passed. The bugs live in each
 * component's common.h hooks and in the programs, never here. */
#ifndef BROKEN_H
#define BROKEN_H

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Returns a socket of the given type (SOCK_STREAM or SOCK_DGRAM, with
 * SOCK_CLOEXEC / SOCK_NONBLOCK or'ed in as wanted) bound to host:port, with
 * SO_REUSEADDR first when reuseaddr is set; exits 1 on failure. */
static inline int broken_bind(const char *host, const char *port, int type, int reuseaddr)
{
	struct addrinfo hints, *res;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = type & (SOCK_STREAM | SOCK_DGRAM);
	hints.ai_flags = AI_PASSIVE;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "getaddrinfo %s:%s: %s\n", host, port, gai_strerror(rc));
		exit(1);
	}
	int fd = socket(res->ai_family, type, 0);
	int one = 1;
	if (fd < 0 || (reuseaddr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		fprintf(stderr, "bind %s:%s: %s\n", host, port, strerror(errno));
		exit(1);
	}
	freeaddrinfo(res);
	return fd;
}

#endif
