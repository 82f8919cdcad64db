/* BREAKS: ECHO-004 */
/* A non-blocking epoll server that echoes each read with a single send() and
 * ignores the count it returns. On a non-blocking socket the kernel takes
 * only what fits in the socket buffer (or nothing: EAGAIN), so as soon as
 * the client is slower than the server the rest is silently dropped.
 */
#include "common.h"

static void conn_event(struct echo_epoll *lp, epoll_data_t data, uint32_t events)
{
	(void)lp;
	(void)events;
	int fd = data.fd;
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

int main(int argc, char **argv)
{
	struct echo_epoll lp = {.conn_event = conn_event};
	return echo_epoll_main(&lp, argc, argv);
}
