/* BREAKS: KV-028 */
/* TTL and PTTL of a missing key answer -1, as redis 2.6 did, instead of -2:
 * a missing key cannot be told from a key without a time to live.
 */
#include "common.h"

static void ttl_old(struct kv_client *c, int in_ms)
{
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	if (e == NULL || e->when == 0)
		kv.reply_int(c, -1); /* BUG: -2 for a missing key */
	else
		kv.reply_int(c, kv.ttl_of(e->when - kv_now_ms(), in_ms));
}

static void ttl(struct kv_client *c) { ttl_old(c, 0); }
static void pttl(struct kv_client *c) { ttl_old(c, 1); }

int main(int argc, char **argv)
{
	kv_cmd_find("ttl")->proc = ttl;
	kv_cmd_find("pttl")->proc = pttl;
	return kv_main(argc, argv);
}
