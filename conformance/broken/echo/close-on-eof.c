/* BREAKS: ECHO-010 */
/* A non-blocking epoll server with a bounded output buffer per connection
 * that closes the connection as soon as recv() returns 0. But EOF only means
 * the client has finished sending (it may have shut down just its write
 * side): the echo still queued in the server's buffer is thrown away.
 */
#include "common.h"

/* Reads while there is room; returns -1 on a connection error, and on EOF. */
static int conn_read(struct echo_conn *c)
{
	if (echo_conn_read(c) < 0)
		return -1;
	return c->eof ? -1 : 0; /* BUG: EOF closes at once, dropping the echo not yet sent */
}

static void conn_open(struct echo_epoll *lp, int fd)
{
	/* Not a bug: bounds kernel memory per client. (It also means a slow
	 * reader's echo waits in out[], where the bug can drop it.) */
	int sndbuf = 64 * 1024;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	echo_conn_open(lp, fd, ECHO_OUT_CAP, conn_read);
}

int main(int argc, char **argv)
{
	struct echo_epoll lp = {.conn_open = conn_open, .conn_event = echo_conn_event};
	return echo_epoll_main(&lp, argc, argv);
}
