/* BREAKS: KV-064 */
/* Subscribed mode restricts nothing: a subscriber can run GET and SET as
 * any client can.
 */
#include "common.h"

static int anything(const struct kv_cmd *cmd)
{
	(void)cmd;
	return 1; /* BUG */
}

int main(int argc, char **argv)
{
	kv.allowed_subscribed = anything;
	return kv_main(argc, argv);
}
