/* BREAKS: ECHO-004 */
/* A non-blocking epoll server that echoes each read with a single send() and
 * ignores the count it returns. On a non-blocking socket the kernel takes
 * only what fits in the socket buffer (or nothing: EAGAIN), so as soon as
 * the client is slower than the server the rest is silently dropped.
 */
#include <sys/epoll.h>

#include "common.h"

static int ep, paused;

static void conn_event(int fd)
{
	char buf[ECHO_BUF_SIZE];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;
		send(fd, buf, (size_t)n, 0); /* BUG: whatever was not taken is lost */
	}
	close(fd);
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
		struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
			close(fd);
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
	struct epoll_event le = {.events = EPOLLIN, .data.fd = lfd};
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
			if (evs[i].data.fd == lfd)
				accept_all(lfd);
			else
				conn_event(evs[i].data.fd);
		}
	}
}
