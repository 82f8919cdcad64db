/* BREAKS: KV-020 */
/* PING with a message answers it as a simple string (+hello), like the
 * +PONG of a bare PING, where redis answers a bulk string.
 */
#include "common.h"

static void ping_status(struct kv_client *c)
{
	if (c->argc > 2) {
		kv.arity_error(c, kv_cmd_find("ping"));
		return;
	}
	if (kv.subscribed(c)) {
		kv_reply_array(c, 2);
		kv_reply_bulk(c, "pong", 4);
		kv_reply_bulk(c, c->argc == 2 ? c->argv[1].p : "", c->argc == 2 ? c->argv[1].n : 0);
	} else if (c->argc == 2) {
		kv.out_add(c, "+", 1); /* BUG: a simple string */
		kv.out_add(c, c->argv[1].p, c->argv[1].n);
		kv.out_add(c, "\r\n", 2);
	} else {
		kv_reply_status(c, "PONG");
	}
}

int main(int argc, char **argv)
{
	kv_cmd_find("ping")->proc = ping_status;
	return kv_main(argc, argv);
}
