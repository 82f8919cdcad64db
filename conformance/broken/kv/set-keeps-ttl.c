/* BREAKS: KV-043 */
/* SET of an existing key keeps its deadline unless EX/PX gives a new one,
 * as if KEEPTTL were always there: a plain SET no longer makes a key
 * permanent.
 */
#include "common.h"

static void set_keep(struct kv_client *c)
{
	struct kv_setopt o;
	if (kv.set_options(c, &o) < 0)
		return;
	struct kv_entry *old = kv_lookup(&c->argv[1]);
	if ((o.nx && old != NULL) || (o.xx && old == NULL)) {
		if (o.get)
			old ? kv_reply_bulk(c, old->val, old->vlen) : kv_reply_nil(c);
		else
			kv_reply_nil(c);
		return;
	}
	int64_t when = o.has_when ? o.when : old != NULL ? old->when : 0; /* BUG: KEEPTTL or not */
	struct kv_entry *e = kv_prepare_set(c, &c->argv[1], c->argv[2].p, c->argv[2].n, when);
	if (e == NULL)
		return;
	if (o.get)
		old ? kv_reply_bulk(c, old->val, old->vlen) : kv_reply_nil(c);
	kv_db_put(e);
	if (!o.get)
		kv_reply_ok(c);
}

int main(int argc, char **argv)
{
	kv_cmd_find("set")->proc = set_keep;
	return kv_main(argc, argv);
}
