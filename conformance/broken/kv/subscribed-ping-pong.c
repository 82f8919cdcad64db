/* BREAKS: KV-064 */
/* PING answers +PONG (or the bulk message) in subscribed mode too, where
 * redis answers [pong, ""] / [pong, msg] so that a subscriber can tell it
 * from a message.
 */
#include "common.h"

static void ping_plain(struct kv_client *c)
{
	if (c->argc > 2) {
		kv.arity_error(c, kv_cmd_find("ping"));
		return;
	}
	/* BUG: no subscribed-mode form */
	if (c->argc == 2)
		kv_reply_bulk(c, c->argv[1].p, c->argv[1].n);
	else
		kv_reply_status(c, "PONG");
}

int main(int argc, char **argv)
{
	kv_cmd_find("ping")->proc = ping_plain;
	return kv_main(argc, argv);
}
