/* BREAKS: KV-027 */
/* MSET stores each pair as it walks its arguments, and only finds a
 * missing value at the end: the pairs before it stay set although the
 * command is refused.
 */
#include "common.h"

static void mset_as_it_goes(struct kv_client *c)
{
	for (int i = 1; i < c->argc; i += 2) {
		if (i + 1 == c->argc) { /* BUG: checked last, after the earlier pairs were stored */
			kv.arity_error(c, kv_cmd_find("mset"));
			return;
		}
		struct kv_entry *e = kv_prepare_set(c, &c->argv[i], c->argv[i + 1].p, c->argv[i + 1].n, 0);
		if (e == NULL)
			return;
		kv_db_put(e);
	}
	kv_reply_ok(c);
}

int main(int argc, char **argv)
{
	kv_cmd_find("mset")->proc = mset_as_it_goes;
	return kv_main(argc, argv);
}
