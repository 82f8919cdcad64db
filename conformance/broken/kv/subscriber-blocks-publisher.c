/* BREAKS: KV-065 */
/* A message is pushed to each subscriber until its socket has taken all
 * of it, waiting with poll() when the socket is full: one subscriber that
 * stops reading blocks PUBLISH, and with it the whole server.
 */
#include "common.h"

static void deliver_blocking(struct kv_client *to, const struct kv_arg *pat, const struct kv_arg *ch,
			     const struct kv_arg *msg)
{
	kv_deliver(to, pat, ch, msg);
	while (!to->close_asap && kv_pending(&to->out) > 0) {
		kv_send(to);
		if (kv_pending(&to->out) > 0) { /* BUG: wait for this one subscriber */
			struct pollfd pfd = {.fd = to->fd, .events = POLLOUT};
			poll(&pfd, 1, -1);
		}
	}
}

int main(int argc, char **argv)
{
	kv.deliver = deliver_blocking;
	return kv_main(argc, argv);
}
