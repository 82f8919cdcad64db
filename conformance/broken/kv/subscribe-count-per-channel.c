/* BREAKS: KV-060 */
/* The count in a [subscribe, ch, count] reply is the number of clients
 * subscribed to that channel, not the number of subscriptions of the
 * client: subscribing to three channels answers 1, 1, 1.
 */
#include "common.h"

static void subscribe_count_channel(struct kv_client *c)
{
	for (int j = 1; j < c->argc; j++) {
		if (kv_sub_add(c, &c->argv[j], 0) < 0) {
			kv_reply_oom(c);
			continue;
		}
		int n = 0;
		for (size_t i = 0; i < kv_subs.n; i++) /* BUG: counts the channel's subscribers */
			n += !kv_subs.v[i].pattern && kv_subs.v[i].n == c->argv[j].n &&
			     memcmp(kv_subs.v[i].name, c->argv[j].p, c->argv[j].n) == 0;
		kv_reply_sub(c, "subscribe", c->argv[j].p, c->argv[j].n, n);
	}
}

int main(int argc, char **argv)
{
	kv_cmd_find("subscribe")->proc = subscribe_count_channel;
	return kv_main(argc, argv);
}
