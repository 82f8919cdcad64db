/* BREAKS: KV-025 */
/* EXISTS counts distinct keys: a key named twice counts once (redis counts
 * it twice).
 */
#include "common.h"

static void exists_distinct(struct kv_client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++) {
		int seen = 0;
		for (int j = 1; j < i && !seen; j++) /* BUG: duplicates skipped */
			seen = c->argv[j].n == c->argv[i].n && memcmp(c->argv[j].p, c->argv[i].p, c->argv[i].n) == 0;
		n += !seen && kv_lookup(&c->argv[i]) != NULL;
	}
	kv.reply_int(c, n);
}

int main(int argc, char **argv)
{
	kv_cmd_find("exists")->proc = exists_distinct;
	return kv_main(argc, argv);
}
