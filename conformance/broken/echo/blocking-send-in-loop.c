/* BREAKS: ECHO-008 */
/* A single-threaded epoll loop over BLOCKING client sockets: epoll says a
 * client is readable, the server reads and then echoes with a blocking send
 * loop. When one client stops reading, its socket buffers fill, send()
 * blocks, and the whole loop (every other client) stalls with it.
 */
#include <sys/epoll.h>

#include "common.h"

static int ep, paused;

/* The client socket is blocking, so this is safe to call on EPOLLIN. */
static void conn_event(int fd)
{
	char buf[ECHO_BUF_SIZE];
	ssize_t n;
	do
		n = recv(fd, buf, sizeof buf, 0);
	while (n < 0 && errno == EINTR);
	/* BUG: a blocking send inside the event loop: a client that does not
	 * read makes this wait forever, and nobody else is served meanwhile. */
	if (n <= 0 || echo_send_all(fd, buf, (size_t)n) < 0)
		close(fd);
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC); /* blocking */
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
