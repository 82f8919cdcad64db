/* BREAKS: KV-054 */
/* An error from recv() is treated as fatal: a client that resets its
 * connection (ECONNRESET) takes the whole server down.
 */
#include "common.h"

static void fatal(struct kv_client *c, int err)
{
	(void)c;
	kv_log("recv: %s", strerror(err));
	exit(1); /* BUG: one client's error ends the server */
}

int main(int argc, char **argv)
{
	kv.read_error = fatal;
	return kv_main(argc, argv);
}
