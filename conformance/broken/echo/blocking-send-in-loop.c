/* BREAKS: ECHO-008 */
/* A single-threaded epoll loop over BLOCKING client sockets: epoll says a
 * client is readable, the server reads and then echoes with a blocking send
 * loop. When one client stops reading, its socket buffers fill, send()
 * blocks, and the whole loop (every other client) stalls with it.
 */
#include "common.h"

/* The client socket is blocking, so this is safe to call on EPOLLIN. */
static void conn_event(struct echo_epoll *lp, epoll_data_t data, uint32_t events)
{
	(void)lp;
	(void)events;
	char buf[ECHO_BUF_SIZE];
	ssize_t n;
	do
		n = recv(data.fd, buf, sizeof buf, 0);
	while (n < 0 && errno == EINTR);
	/* BUG: a blocking send inside the event loop: a client that does not
	 * read makes this wait forever, and nobody else is served meanwhile. */
	if (n <= 0 || echo_send_all(data.fd, buf, (size_t)n) < 0)
		close(data.fd);
}

int main(int argc, char **argv)
{
	/* Blocking client sockets, the listener stays non-blocking. */
	struct echo_epoll lp = {.blocking_clients = 1, .conn_event = conn_event};
	return echo_epoll_main(&lp, argc, argv);
}
