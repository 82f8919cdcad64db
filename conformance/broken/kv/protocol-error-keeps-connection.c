/* BREAKS: KV-015 */
/* A malformed request is answered with the right error, then the rest of
 * what the client sent is thrown away and the connection stays open, as
 * if the next request could be found again (it cannot: redis closes).
 */
#include "common.h"

static void error_and_go_on(struct kv_client *c)
{
	if (c->perr == NULL) {
		c->close_asap = 1;
		return;
	}
	kv_reply_error(c, "ERR %s", c->perr);
	c->in.off = c->in.len; /* BUG: skip the bytes and keep the connection */
}

int main(int argc, char **argv)
{
	kv.protocol_error = error_and_go_on;
	return kv_main(argc, argv);
}
