/* BREAKS: KV-023 */
/* SET NX is parsed but only XX is looked at when deciding: NX on an
 * existing key overwrites it and answers +OK.
 */
#include "common.h"

static void set_nx_ignored(struct kv_client *c)
{
	struct kv_setopt o;
	if (kv.set_options(c, &o) < 0)
		return;
	struct kv_entry *old = kv_lookup(&c->argv[1]);
	if (o.xx && old == NULL) { /* BUG: (o.nx && old != NULL) forgotten */
		kv_reply_nil(c); /* (with GET too: there was no old value) */
		return;
	}
	int64_t when = o.has_when ? o.when : o.keepttl && old != NULL ? old->when : 0;
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
	kv_cmd_find("set")->proc = set_nx_ignored;
	return kv_main(argc, argv);
}
