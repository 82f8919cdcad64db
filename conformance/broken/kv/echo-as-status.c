/* BREAKS: KV-034 */
/* ECHO answers a simple string (+msg) instead of a bulk string. A typed
 * ECHO looks the same in redis-cli, but redis-cli --pipe ends its input
 * with an ECHO of 20 random bytes and waits for that bulk string to come
 * back: it never does, and redis-cli --pipe never finishes.
 */
#include "common.h"

static void echo_status(struct kv_client *c)
{
	kv.out_add(c, "+", 1); /* BUG: not "$<len>" */
	kv.out_add(c, c->argv[1].p, c->argv[1].n);
	kv.out_add(c, "\r\n", 2);
}

int main(int argc, char **argv)
{
	kv_cmd_find("echo")->proc = echo_status;
	return kv_main(argc, argv);
}
