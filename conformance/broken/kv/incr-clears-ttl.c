/* BREAKS: KV-043 */
/* INCR and friends store their result like a plain SET: the key loses its
 * time to live and becomes permanent.
 */
#include "common.h"

static void incr_as_set(struct kv_client *c, long long by)
{
	struct kv_entry *old = kv_lookup(&c->argv[1]);
	long long v = 0, r;
	if (old != NULL && kv_str2ll(old->val, old->vlen, &v) < 0) {
		kv_reply_not_int(c);
		return;
	}
	if (kv.add(v, by, &r) < 0) {
		kv_reply_error(c, "ERR increment or decrement would overflow");
		return;
	}
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", r);
	struct kv_entry *e = kv_prepare_set(c, &c->argv[1], num, (size_t)n, 0); /* BUG: deadline dropped */
	if (e == NULL)
		return;
	kv_db_put(e);
	kv.reply_int(c, r);
}

int main(int argc, char **argv)
{
	kv.incr = incr_as_set;
	return kv_main(argc, argv);
}
