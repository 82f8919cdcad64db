/* BREAKS: KV-053 */
/* --timeout is parsed but idle clients are never closed.
 */
#include "common.h"

static int never_idle(const struct kv_client *c, int64_t now)
{
	(void)c;
	(void)now;
	return 0; /* BUG */
}

int main(int argc, char **argv)
{
	kv.idle = never_idle;
	return kv_main(argc, argv);
}
