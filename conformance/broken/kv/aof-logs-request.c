/* BREAKS: KV-071 */
/* The append-only file records each write command as the client sent it:
 * SET k v PX 60000 and EXPIRE k 100 are relative times, which start again
 * from the moment of the replay, so a restart gives every key its whole
 * time to live back (and keys that expired while the server was down come
 * back).
 */
#include "common.h"

static int log_as_sent(struct kv_client *c, int argc, const struct kv_arg *argv)
{
	(void)argc;
	(void)argv;
	if (kv_aof.fd < 0 || kv_aof.loading)
		return 0;
	return kv_aof_append(c->argc, c->argv); /* BUG: not the change, the request */
}

int main(int argc, char **argv)
{
	kv.aof_record = log_as_sent;
	return kv_main(argc, argv);
}
