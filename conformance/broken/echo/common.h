/* Shared, correct plumbing for the deliberately broken echo servers.
 *
 * Everything here is right on purpose (argument parsing, the listening
 * socket with SO_REUSEADDR, SIGPIPE ignored, a send-all loop, an accept loop
 * that survives EMFILE and ECONNABORTED, a correct per-connection copy loop;
 * for the epoll servers an event-loop skeleton and a bounded buffered
 * connection), so that each broken program differs from a correct server in
 * exactly the lines it marks with BUG.
 */
#ifndef OSNET_BROKEN_ECHO_COMMON_H
#define OSNET_BROKEN_ECHO_COMMON_H

#include "../broken.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define ECHO_BUF_SIZE (16 * 1024)

struct echo_opts {
	const char *host;
	const char *port;
};

/* Parses `--host H --port P` (broken_parse_addr); exits 2 on misuse. */
static inline void echo_parse_args(int argc, char **argv, struct echo_opts *o)
{
	broken_parse_addr(argc, argv, &o->host, &o->port);
}

/* Returns a listening TCP socket on host:port; exits 1 on failure.
 * reuseaddr sets SO_REUSEADDR, which every correct server does. */
static inline int echo_listen(const char *host, const char *port, int reuseaddr)
{
	int fd = broken_bind(host, port, SOCK_STREAM | SOCK_CLOEXEC, reuseaddr);
	if (listen(fd, 4096) < 0) {
		perror("listen");
		exit(1);
	}
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

/* The epoll server skeleton: one thread, a non-blocking listener and the
 * client sockets in one epoll set. The program fills in the callbacks (and
 * blocking_clients) and calls echo_epoll_main; each callback gets the loop so
 * that it can watch and unwatch descriptors in lp->ep. */
struct echo_epoll {
	/* Set by the program. */
	int blocking_clients; /* accepted sockets stay blocking (0: SOCK_NONBLOCK) */
	/* The listener is readable. NULL: echo_epoll_accept_all. */
	void (*listener_event)(struct echo_epoll *lp);
	/* Takes a newly accepted fd (owns it: closes it on failure) and watches
	 * it. NULL: echo_epoll_watch_fd. */
	void (*conn_open)(struct echo_epoll *lp, int fd);
	/* A watched connection is ready: data is what conn_open watched it with. */
	void (*conn_event)(struct echo_epoll *lp, epoll_data_t data, uint32_t events);
	/* Set by echo_epoll_main. */
	int ep, lfd;
	int paused; /* the listener is out of the set until the next wakeup */
};

/* The listener's epoll data. Connections are watched with a pointer or a
 * descriptor (>= 0), and neither can have every bit set. */
#define ECHO_EPOLL_LISTENER UINT64_MAX

/* Puts the listener into the epoll set; returns 0, or -1 with errno set. */
static inline int echo_epoll_watch_listener(struct echo_epoll *lp)
{
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = ECHO_EPOLL_LISTENER};
	return epoll_ctl(lp->ep, EPOLL_CTL_ADD, lp->lfd, &e);
}

/* The default conn_open: watches fd for EPOLLIN with data.fd = fd. */
static inline void echo_epoll_watch_fd(struct echo_epoll *lp, int fd)
{
	struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
	if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, fd, &e) < 0)
		close(fd);
}

/* The default listener_event: accepts until EAGAIN (at most 64 per wakeup) and hands each client to
 * conn_open. Per-connection errors (ECONNABORTED, EINTR, EPROTO, ...) skip to
 * the next one. Out of descriptors or memory, the pending client stays in
 * the backlog and the listener would be readable at once again, so it leaves
 * the set and echo_epoll_main puts it back after a short wait. */
static inline void echo_epoll_accept_all(struct echo_epoll *lp)
{
	int flags = SOCK_CLOEXEC | (lp->blocking_clients ? 0 : SOCK_NONBLOCK);
	/* At most 64 per wakeup: an accept that keeps failing must not keep the
	 * loop from the connections it already has (the listener is level-
	 * triggered, so the rest waits for the next round). */
	for (int n = 0; n < 64; n++) {
		int fd = accept4(lp->lfd, NULL, NULL, flags);
		if (fd >= 0) {
			lp->conn_open(lp, fd);
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			   errno == ENOMEM) {
			lp->paused = 1;
			epoll_ctl(lp->ep, EPOLL_CTL_DEL, lp->lfd, NULL);
			return;
		}
	}
}

/* The whole server: parses `--host H --port P`, ignores SIGPIPE, listens
 * (SO_REUSEADDR, non-blocking) and runs the event loop, which resumes a
 * paused listener after 10 ms and passes every other event to conn_event.
 * Returns 1 when epoll fails; otherwise it never returns. */
static inline int echo_epoll_main(struct echo_epoll *lp, int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	if (lp->listener_event == NULL)
		lp->listener_event = echo_epoll_accept_all;
	if (lp->conn_open == NULL)
		lp->conn_open = echo_epoll_watch_fd;
	lp->paused = 0;
	lp->lfd = echo_listen(o.host, o.port, 1);
	echo_set_nonblock(lp->lfd);
	lp->ep = epoll_create1(EPOLL_CLOEXEC);
	if (lp->ep < 0 || echo_epoll_watch_listener(lp) < 0) {
		perror("epoll");
		return 1;
	}
	for (;;) {
		struct epoll_event evs[256];
		int n = epoll_wait(lp->ep, evs, 256, lp->paused ? 10 : -1);
		if (lp->paused) {
			lp->paused = 0;
			echo_epoll_watch_listener(lp);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == ECHO_EPOLL_LISTENER)
				lp->listener_event(lp);
			else
				lp->conn_event(lp, evs[i].data, evs[i].events);
		}
	}
}

#define ECHO_OUT_CAP (64 * 1024) /* per-connection echo buffer: stop reading when full */

/* A non-blocking connection with its own output buffer: the echo the kernel
 * did not take yet waits in out[], and the server reads only while out[] has
 * room, so a client that does not read its echo is slowed down by TCP flow
 * control instead of growing the server's memory. */
struct echo_conn {
	int fd, eof;
	size_t off, len, cap; /* out[off..len) is still to be sent; out holds cap bytes */
	uint32_t events;      /* what epoll watches it for now */
	char *out;
	/* Fills out[] from the socket: echo_conn_read, or the program's own.
	 * Returns -1 on a connection error (then the connection is closed). */
	int (*fill)(struct echo_conn *c);
};

static inline void echo_conn_close(struct echo_conn *c)
{
	close(c->fd); /* also removes it from epoll */
	free(c->out);
	free(c);
}

/* Makes a connection for fd with a cap-byte output buffer (0: none until
 * fill makes one) that reads with fill, and watches it for EPOLLIN. Owns fd:
 * closes it on failure. */
static inline void echo_conn_open(struct echo_epoll *lp, int fd, size_t cap,
				  int (*fill)(struct echo_conn *c))
{
	struct echo_conn *c = malloc(sizeof *c);
	char *out = cap > 0 ? malloc(cap) : NULL;
	if (c == NULL || (cap > 0 && out == NULL)) {
		free(c);
		free(out);
		close(fd);
		return;
	}
	*c = (struct echo_conn){.fd = fd, .cap = cap, .events = EPOLLIN, .out = out, .fill = fill};
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, fd, &e) < 0)
		echo_conn_close(c);
}

/* The correct fill: reads while out[] has room, until EAGAIN or EOF (which
 * sets eof: the client has finished sending, the echo still goes out).
 * Returns -1 on a connection error. */
static inline int echo_conn_read(struct echo_conn *c)
{
	while (!c->eof && c->len < c->cap) {
		ssize_t n = recv(c->fd, c->out + c->len, c->cap - c->len, 0);
		if (n > 0)
			c->len += (size_t)n;
		else if (n == 0)
			c->eof = 1;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Sends what the kernel takes now; returns -1 on a connection error. */
static inline int echo_conn_flush(struct echo_conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, 0);
		if (n >= 0)
			c->off += (size_t)n;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else if (errno != EINTR)
			return -1;
	}
	memmove(c->out, c->out + c->off, c->len - c->off);
	c->len -= c->off;
	c->off = 0;
	return 0;
}

/* The conn_event of echo_conn connections: fills out[] when readable, sends
 * what it can, closes once EOF is read and all of it is echoed, and watches
 * for what comes next: EPOLLIN while out[] has room, EPOLLOUT while it holds
 * unsent bytes. */
static inline void echo_conn_event(struct echo_epoll *lp, epoll_data_t data, uint32_t ev)
{
	struct echo_conn *c = data.ptr;
	if (((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->fill(c) < 0) ||
	    echo_conn_flush(c) < 0 || (c->eof && c->len == 0)) {
		echo_conn_close(c);
		return;
	}
	uint32_t want = (!c->eof && c->len < c->cap ? EPOLLIN : 0) | (c->len ? EPOLLOUT : 0);
	if (want != c->events) {
		struct epoll_event e = {.events = want, .data.ptr = c};
		c->events = want;
		if (epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &e) < 0)
			echo_conn_close(c);
	}
}

#endif
