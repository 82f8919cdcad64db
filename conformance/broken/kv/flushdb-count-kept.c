/* BREAKS: KV-031 */
/* FLUSHDB frees every entry but forgets the key count: DBSIZE goes on
 * reporting the keys that were there.
 */
#include "common.h"

static void flush_keep_count(struct kv_client *c)
{
	if (c->argc > 2 || (c->argc == 2 && !kv_is(&c->argv[1], "async") && !kv_is(&c->argv[1], "sync"))) {
		kv_reply_syntax(c);
		return;
	}
	if (kv_record(c, 1, (struct kv_arg[]){KV_S("FLUSHDB")}) < 0)
		return;
	for (size_t i = 0; i < kv_db.size; i++) {
		struct kv_entry *e = kv_db.slot[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		kv_db.slot[i] = NULL;
	}
	/* BUG: kv_db.count not reset */
	kv_reply_ok(c);
}

int main(int argc, char **argv)
{
	kv_cmd_find("flushdb")->proc = flush_keep_count;
	return kv_main(argc, argv);
}
