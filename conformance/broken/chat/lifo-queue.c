/* BREAKS: CHAT-008 */
/* Each client's output queue is a stack: a new line is put in front of what
 * is still queued, and queues are sent when the socket reports it is
 * writable. Several lines queued at once (lines that arrived together, a
 * busy moment) go out newest first.
 */
#include "common.h"

static int deliver_in_front(struct chat_client *c, const char *line, size_t len)
{
	if (c->dead)
		return -1;
	if (c->len - c->off + len > chat.out_cap) {
		c->dead = "slow";
		return -1;
	}
	size_t queued = c->len - c->off;
	if (queued + len > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < queued + len)
			cap *= 2;
		char *p = malloc(cap);
		if (p == NULL) {
			c->dead = "closed";
			return -1;
		}
		memcpy(p, c->out + c->off, queued);
		free(c->out);
		c->out = p;
		c->cap = cap;
	} else {
		memmove(c->out, c->out + c->off, queued);
	}
	c->off = 0;
	/* BUG: pushed in front of the older lines (a stack, not a queue) */
	memmove(c->out + len, c->out, queued);
	memcpy(c->out, line, len);
	c->len = queued + len;
	chat_rearm(c); /* sent on EPOLLOUT */
	return 0;
}

int main(int argc, char **argv)
{
	chat.deliver = deliver_in_front;
	return chat_main(argc, argv);
}
