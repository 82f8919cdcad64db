/* BREAKS: KV-014 */
/* Integer replies are written as bulk strings of their digits (":1" goes
 * out as "$1\r\n1"): clients that check the type see strings where the
 * command pages say integers.
 */
#include "common.h"

static void int_as_bulk(struct kv_client *c, long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", v);
	kv_reply_bulk(c, num, (size_t)n); /* BUG: not ":<v>\r\n" */
}

int main(int argc, char **argv)
{
	kv.reply_int = int_as_bulk;
	return kv_main(argc, argv);
}
