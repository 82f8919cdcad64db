/* BREAKS: CHAT-012, CHAT-016 */
/* SIGPIPE is left at its default action, and a failed send is only logged:
 * the read side will notice the dead connection. That is fine with SIGPIPE
 * ignored; here the first send to a reset socket returns ECONNRESET, and the
 * next one (another broadcast before the read side noticed) raises SIGPIPE
 * and kills the whole server.
 */
#include "common.h"

static int flush_log_errors(struct chat_client *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, 0);
		if (n >= 0) {
			c->off += (size_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			perror("send"); /* recv() will report the end */
			c->off = c->len;
		}
	}
	if (c->off == c->len)
		c->off = c->len = 0;
	chat_rearm(c);
	return 0;
}

int main(int argc, char **argv)
{
	chat.keep_sigpipe = 1; /* BUG: SIGPIPE kills us */
	chat.flush = flush_log_errors;
	return chat_main(argc, argv);
}
