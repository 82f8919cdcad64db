/* BREAKS: KV-051 */
/* Once a client has sent the start of a request, the server reads the
 * rest of it with a blocking loop on that client's socket: a client that
 * stops in the middle of a request stops the whole server.
 */
#include "common.h"

static void run_blocking(struct kv_client *c)
{
	for (;;) {
		kv_run_input(c);
		if (c->close_asap || c->close_after_reply || c->paused || kv_pending(&c->in) == 0)
			return;
		/* BUG: wait here, inside the event loop, for the rest of the request */
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		if (poll(&pfd, 1, -1) < 0 || kv_buf_reserve(&c->in, KV_READ_CHUNK) < 0)
			return;
		ssize_t n = recv(c->fd, c->in.p + c->in.len, KV_READ_CHUNK, 0);
		if (n <= 0) {
			c->close_asap = 1;
			return;
		}
		c->in.len += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	kv.run_input = run_blocking;
	return kv_main(argc, argv);
}
