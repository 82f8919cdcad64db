/* BREAKS: KV-015 */
/* A malformed request closes the connection on the spot: the error reply,
 * and the replies to the requests pipelined before it, never go out.
 */
#include "common.h"

static void close_now(struct kv_client *c)
{
	c->close_asap = 1; /* BUG: not close_after_reply, and no error reply */
}

int main(int argc, char **argv)
{
	kv.protocol_error = close_now;
	return kv_main(argc, argv);
}
