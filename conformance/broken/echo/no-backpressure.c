/* BREAKS: ECHO-009 */
/* A non-blocking epoll server whose per-connection output buffer grows
 * without limit: it keeps reading from a client even when that client reads
 * none of its echo, so TCP flow control never pushes back and one client
 * that only sends can make the server use all the memory there is.
 */
#include "common.h"

/* Reads all there is, making room whenever out[] is full; returns -1 on a
 * connection error. */
static int conn_read(struct echo_conn *c)
{
	for (;;) {
		if (echo_conn_read(c) < 0)
			return -1;
		if (c->eof || c->len < c->cap)
			return 0; /* not full: nothing more to read now */
		/* BUG: no limit, the buffer just grows; as out[] always has room
		 * after this, echo_conn_event never stops reading either */
		size_t cap = c->cap ? 2 * c->cap : 64 * 1024;
		char *p = realloc(c->out, cap);
		if (p == NULL)
			return -1;
		c->out = p;
		c->cap = cap;
	}
}

static void conn_open(struct echo_epoll *lp, int fd)
{
	echo_conn_open(lp, fd, 0, conn_read); /* out[] comes with the first read */
}

int main(int argc, char **argv)
{
	struct echo_epoll lp = {.conn_open = conn_open, .conn_event = echo_conn_event};
	return echo_epoll_main(&lp, argc, argv);
}
