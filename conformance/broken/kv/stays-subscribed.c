/* BREAKS: KV-063 */
/* Subscribed mode is a flag set by the first SUBSCRIBE and never cleared:
 * a client that has unsubscribed from everything still gets "only
 * (P|S)SUBSCRIBE ... are allowed" for GET and SET.
 */
#include "common.h"

static int ever_subscribed(const struct kv_client *c)
{
	return c->was_subscribed; /* BUG: not c->nsubs > 0 */
}

int main(int argc, char **argv)
{
	kv.subscribed = ever_subscribed;
	return kv_main(argc, argv);
}
