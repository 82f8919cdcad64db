/* BREAKS: CHAT-013 */
/* Output is written with a loop that waits until the socket takes all of
 * it: one client that stops reading blocks the single thread, and every
 * other client waits with it.
 */
#include "common.h"

static int flush_blocking(struct chat_client *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, 0);
		if (n >= 0) {
			c->off += (size_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* BUG: wait for this one client, inside the event loop */
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			poll(&p, 1, -1);
		} else if (errno != EINTR) {
			c->dead = "closed";
			return -1;
		}
	}
	c->off = c->len = 0;
	chat_rearm(c);
	return 0;
}

int main(int argc, char **argv)
{
	chat.flush = flush_blocking;
	return chat_main(argc, argv);
}
