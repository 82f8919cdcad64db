/* BREAKS: KV-082 */
/* An error from send() is treated as fatal: one client that went away
 * (EPIPE, ECONNRESET) while replies were owed to it ends the server.
 */
#include "common.h"

static void fatal(struct kv_client *c, int err)
{
	(void)c;
	kv_log("send: %s", strerror(err));
	exit(1); /* BUG: one client's error ends the server */
}

int main(int argc, char **argv)
{
	kv.send_error = fatal;
	return kv_main(argc, argv);
}
