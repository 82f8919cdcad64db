/* BREAKS: KV-040 */
/* The deadline is stored and TTL reports it, but nothing ever compares it
 * with the clock: an expired key stays readable forever (and its TTL sits
 * at 0).
 */
#include "common.h"

static int never(const struct kv_entry *e, int64_t now)
{
	(void)e;
	(void)now;
	return 0; /* BUG: no key is ever past its deadline */
}

int main(int argc, char **argv)
{
	kv.expired = never;
	return kv_main(argc, argv);
}
