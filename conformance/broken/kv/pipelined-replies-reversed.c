/* BREAKS: KV-050 */
/* Replies waiting to be sent are kept as a stack (each new one pushed in
 * front of those waiting): a single reply goes out fine, but the replies
 * to a pipeline go out newest first.
 */
#include "common.h"

/* Moves out[from..len) in front of out[off..from). */
static void to_front(struct kv_buf *b, size_t from)
{
	size_t older = from - b->off, newer = b->len - from;
	char *tmp = malloc(older);
	if (tmp == NULL)
		return;
	memcpy(tmp, b->p + b->off, older);
	memmove(b->p + b->off, b->p + from, newer);
	memcpy(b->p + b->off + newer, tmp, older);
	free(tmp);
}

static void run_stacked(struct kv_client *c)
{
	while (!c->close_asap && !c->close_after_reply && kv_pending(&c->in) > 0) {
		if (kv_pending(&c->out) > KV_HIGH_WATER) {
			c->paused = 1;
			break;
		}
		long r = kv.parse(c, c->in.p + c->in.off, kv_pending(&c->in));
		if (r == 0)
			break;
		if (r < 0) {
			kv.protocol_error(c);
			break;
		}
		size_t before = c->out.len;
		if (c->argc > 0)
			kv_call(c);
		if (c->out.len > before)
			to_front(&c->out, before); /* BUG: push, not append */
		c->in.off += (size_t)r;
	}
	if (c->in.off == c->in.len)
		c->in.off = c->in.len = 0;
	kv_rearm(c);
}

int main(int argc, char **argv)
{
	kv.run_input = run_stacked;
	return kv_main(argc, argv);
}
