/* BREAKS: KV-018 */
/* An unknown command is treated like a protocol error: answered, then the
 * connection is closed.
 */
#include "common.h"

static void unknown_then_close(struct kv_client *c)
{
	kv_unknown(c);
	c->close_after_reply = 1; /* BUG: redis keeps the connection */
}

int main(int argc, char **argv)
{
	kv.unknown = unknown_then_close;
	return kv_main(argc, argv);
}
