/* BREAKS: KV-066 */
/* --pubsub-limit is parsed but never checked: the messages for a
 * subscriber that does not read pile up in memory without end.
 */
#include "common.h"

static int no_limit(const struct kv_client *c)
{
	(void)c;
	return 0; /* BUG */
}

int main(int argc, char **argv)
{
	kv.over_limit = no_limit;
	return kv_main(argc, argv);
}
