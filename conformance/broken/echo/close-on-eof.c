/* BREAKS: ECHO-010 */
/* A non-blocking epoll server with a bounded output buffer per connection
 * that closes the connection as soon as recv() returns 0. But EOF only means
 * the client has finished sending (it may have shut down just its write
 * side): the echo still queued in the server's buffer is thrown away.
 */
#include <sys/epoll.h>

#include "common.h"

#define OUT_CAP (64 * 1024) /* per-connection echo buffer: stop reading when full */

struct conn {
	int fd, eof;
	size_t off, len; /* out[off..len) is still to be sent */
	uint32_t events;
	char out[OUT_CAP];
};

static int ep, paused;

static void conn_close(struct conn *c)
{
	close(c->fd); /* also removes it from epoll */
	free(c);
}

/* Reads while there is room; returns -1 on a connection error. */
static int conn_read(struct conn *c)
{
	while (!c->eof && c->len < OUT_CAP) {
		ssize_t n = recv(c->fd, c->out + c->len, OUT_CAP - c->len, 0);
		if (n > 0)
			c->len += (size_t)n;
		else if (n == 0)
			return -1; /* BUG: EOF closes at once, dropping the echo not yet sent */
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Sends what the kernel takes now; returns -1 on a connection error. */
static int conn_flush(struct conn *c)
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

static void conn_event(struct conn *c, uint32_t ev)
{
	if (((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_read(c) < 0) ||
	    conn_flush(c) < 0 || (c->eof && c->len == 0)) {
		conn_close(c);
		return;
	}
	uint32_t want = (!c->eof && c->len < OUT_CAP ? EPOLLIN : 0) | (c->len ? EPOLLOUT : 0);
	if (want != c->events) {
		struct epoll_event e = {.events = want, .data.ptr = c};
		c->events = want;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) < 0)
			conn_close(c);
	}
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				paused = 1; /* the pending client stays queued: retry soon */
				epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
				return;
			}
			continue; /* ECONNABORTED, EINTR, EPROTO...: next one */
		}
		/* Not a bug: bounds kernel memory per client. (It also means a
		 * slow reader's echo waits in out[], where the bug can drop it.) */
		int sndbuf = 64 * 1024;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		struct conn *c = malloc(sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		*c = (struct conn){.fd = fd, .events = EPOLLIN};
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
			conn_close(c);
	}
}

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	int lfd = echo_listen(o.host, o.port, 1);
	echo_set_nonblock(lfd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event le = {.events = EPOLLIN, .data.ptr = NULL};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le) < 0) {
		perror("epoll");
		return 1;
	}
	for (;;) {
		struct epoll_event evs[256];
		int n = epoll_wait(ep, evs, 256, paused ? 10 : -1);
		if (paused) {
			paused = 0;
			epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_all(lfd);
			else
				conn_event(evs[i].data.ptr, evs[i].events);
		}
	}
}
