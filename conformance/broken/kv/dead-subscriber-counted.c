/* BREAKS: KV-067 */
/* When a subscriber's connection ends, its subscriptions are only
 * detached from it (the client pointer cleared), not removed: nothing is
 * delivered to them, but PUBLISH still counts them.
 */
#include "common.h"

static void detach(struct kv_client *c)
{
	for (size_t i = 0; i < kv_subs.n; i++)
		if (kv_subs.v[i].c == c)
			kv_subs.v[i].c = NULL; /* BUG: the subscription stays */
}

int main(int argc, char **argv)
{
	kv.forget = detach;
	return kv_main(argc, argv);
}
