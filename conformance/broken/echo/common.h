/* Shared, correct plumbing for the deliberately broken echo servers.
 *
 * Everything here is right on purpose (argument parsing, the listening
 * socket with SO_REUSEADDR, SIGPIPE ignored, a send-all loop, an accept loop
 * that survives EMFILE and ECONNABORTED, a correct per-connection copy loop),
 * so that each broken program differs from a correct server in exactly the
 * lines it marks with BUG.
 */
#ifndef OSNET_BROKEN_ECHO_COMMON_H
#define OSNET_BROKEN_ECHO_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define ECHO_BUF_SIZE (16 * 1024)

struct echo_opts {
	const char *host;
	const char *port;
};

/* Parses `--host H --port P` (host defaults to 127.0.0.1); exits 2 on misuse. */
static inline void echo_parse_args(int argc, char **argv, struct echo_opts *o)
{
	o->host = "127.0.0.1";
	o->port = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
			o->host = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			o->port = argv[++i];
		} else {
			fprintf(stderr, "usage: %s --host H --port P\n", argv[0]);
			exit(2);
		}
	}
	if (o->port == NULL) {
		fprintf(stderr, "usage: %s --host H --port P\n", argv[0]);
		exit(2);
	}
}

/* Returns a listening TCP socket on host:port; exits 1 on failure.
 * reuseaddr sets SO_REUSEADDR, which every correct server does. */
static inline int echo_listen(const char *host, const char *port, int reuseaddr)
{
	struct addrinfo hints, *res;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "getaddrinfo %s:%s: %s\n", host, port, gai_strerror(rc));
		exit(1);
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	int one = 1;
	if (reuseaddr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
		perror("setsockopt SO_REUSEADDR");
		exit(1);
	}
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		fprintf(stderr, "bind %s:%s: %s\n", host, port, strerror(errno));
		exit(1);
	}
	if (listen(fd, 4096) < 0) {
		perror("listen");
		exit(1);
	}
	freeaddrinfo(res);
	fprintf(stderr, "listening on %s:%s\n", host, port);
	return fd;
}

/* Writing to a reset socket raises SIGPIPE, whose default action kills us. */
static inline void echo_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

static inline void echo_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		perror("fcntl O_NONBLOCK");
		exit(1);
	}
}

static inline void echo_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sends all len bytes on a blocking socket, looping over short sends and
 * EINTR. Returns 0, or -1 with errno set. */
static inline int echo_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Accepts one connection (blocking). Per-connection errors (ECONNABORTED,
 * EINTR, EPROTO, ENETUNREACH, ...) are retried at once; running out of
 * descriptors or memory is retried after a short pause, since the pending
 * connection stays in the backlog. Returns the new fd, or -1 on a
 * programming error (EBADF, EINVAL, ...). */
static inline int echo_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		switch (errno) {
		case EBADF: case EFAULT: case EINVAL: case ENOTSOCK:
			perror("accept");
			return -1;
		case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM:
			echo_sleep_ms(10);
			break;
		default:
			break;
		}
	}
}

/* The correct per-connection loop for a blocking socket: echo until EOF or
 * error, then close (which sends FIN after the last echoed byte). */
static inline void echo_copy(int fd)
{
	char buf[ECHO_BUF_SIZE];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (echo_send_all(fd, buf, (size_t)n) < 0)
			break;
	}
	close(fd);
}

struct echo_thread_arg {
	void (*serve)(int fd);
	int fd;
};

static inline void *echo_thread_main(void *p)
{
	struct echo_thread_arg a = *(struct echo_thread_arg *)p;
	free(p);
	a.serve(a.fd);
	return NULL;
}

/* Runs serve(fd) on a new detached thread (small stack: 1000+ clients).
 * serve owns fd. Returns 0, or -1 (fd closed) when no thread can be made. */
static inline int echo_spawn(void (*serve)(int fd), int fd)
{
	struct echo_thread_arg *a = malloc(sizeof *a);
	pthread_attr_t attr;
	pthread_t tid;
	int rc = -1;
	if (a == NULL)
		goto fail;
	a->serve = serve;
	a->fd = fd;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&tid, &attr, echo_thread_main, a);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	fprintf(stderr, "pthread_create: %s\n", strerror(rc));
fail:
	free(a);
	close(fd);
	return -1;
}

/* The correct thread-per-connection accept loop. */
static inline int echo_serve_threads(int lfd, void (*serve)(int fd))
{
	for (;;) {
		int fd = echo_accept(lfd);
		if (fd < 0)
			return 1;
		echo_spawn(serve, fd);
	}
}

static inline void echo_exit0(int sig)
{
	(void)sig;
	_exit(0);
}

/* On SIGTERM exit with status 0 at once. Exiting closes every socket, so the
 * server sends the first FIN on each client connection (TIME_WAIT lands on
 * the server's port), exactly like closing them one by one. */
static inline void echo_exit_on_sigterm(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = echo_exit0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
}

#endif
