/* broken.h - what every broken program shares, whatever its component: the
 * `--host H --port P` command line and a socket bound to that address. The bugs live in each
 * component's common.h hooks and in the programs, never here. */
#ifndef BROKEN_H
#define BROKEN_H

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Parses `--host H --port P` (host defaults to 127.0.0.1) into *host and
 * *port; exits 2 with a usage line on anything else or without --port. */
static inline void broken_parse_addr(int argc, char **argv, const char **host, const char **port)
{
	*host = "127.0.0.1";
	*port = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			*host = argv[++i];
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			*port = argv[++i];
		else
			*port = NULL, i = argc;
	}
	if (*port == NULL) {
		fprintf(stderr, "usage: %s --host H --port P\n", argv[0]);
		exit(2);
	}
}

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
