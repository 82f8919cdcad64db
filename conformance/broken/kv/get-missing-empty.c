/* BREAKS: KV-021 */
/* GET of a missing key answers the empty string ($0) rather than the null
 * bulk string ($-1): a client cannot tell a missing key from an empty
 * value.
 */
#include "common.h"

static void get_or_empty(struct kv_client *c)
{
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	kv_reply_bulk(c, e ? e->val : "", e ? e->vlen : 0); /* BUG: no $-1 */
}

int main(int argc, char **argv)
{
	kv_cmd_find("get")->proc = get_or_empty;
	return kv_main(argc, argv);
}
