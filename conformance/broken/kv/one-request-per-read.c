/* BREAKS: KV-050 */
/* Each time the socket is readable, one request is run: the ones behind
 * it in the buffer wait for the next read, which never comes when the
 * client has sent its whole pipeline and waits for the replies.
 */
#include "common.h"

static void run_one(struct kv_client *c)
{
	if (!c->close_asap && !c->close_after_reply && kv_pending(&c->in) > 0) {
		long r = kv.parse(c, c->in.p + c->in.off, kv_pending(&c->in));
		if (r < 0) {
			kv.protocol_error(c);
		} else if (r > 0) {
			if (c->argc > 0)
				kv_call(c);
			c->in.off += (size_t)r;
		}
		/* BUG: no loop; the rest waits for more bytes */
	}
	if (c->in.off == c->in.len)
		c->in.off = c->in.len = 0;
	kv_rearm(c);
}

int main(int argc, char **argv)
{
	kv.run_input = run_one;
	return kv_main(argc, argv);
}
