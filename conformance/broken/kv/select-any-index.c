/* BREAKS: KV-033 */
/* There is one keyspace, and SELECT answers +OK whatever the index, so a
 * client that selects database 16 believes it has a keyspace of its own.
 */
#include "common.h"

static void select_ok(struct kv_client *c)
{
	long long id;
	if (kv_arg_ll(c, &c->argv[1], &id) == 0)
		kv_reply_ok(c); /* BUG: only 0 exists */
}

int main(int argc, char **argv)
{
	kv_cmd_find("select")->proc = select_ok;
	return kv_main(argc, argv);
}
