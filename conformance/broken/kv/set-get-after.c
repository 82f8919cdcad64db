/* BREAKS: KV-024 */
/* SET ... GET is done as a SET followed by a GET, so it replies with the
 * new value rather than the one it replaced.
 */
#include "common.h"

static void set_then_get(struct kv_client *c)
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
	int64_t when = o.has_when ? o.when : o.keepttl && old != NULL ? old->when : 0;
	struct kv_entry *e = kv_prepare_set(c, &c->argv[1], c->argv[2].p, c->argv[2].n, when);
	if (e == NULL)
		return;
	kv_db_put(e);
	if (o.get)
		kv_reply_bulk(c, e->val, e->vlen); /* BUG: the value just stored, not the old one */
	else
		kv_reply_ok(c);
}

int main(int argc, char **argv)
{
	kv_cmd_find("set")->proc = set_then_get;
	return kv_main(argc, argv);
}
