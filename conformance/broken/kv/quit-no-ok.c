/* BREAKS: KV-032 */
/* QUIT closes the connection at once, without its +OK.
 */
#include "common.h"

static void quit_at_once(struct kv_client *c)
{
	c->close_asap = 1; /* BUG: no +OK, and the replies before it are dropped too */
}

int main(int argc, char **argv)
{
	kv_cmd_find("quit")->proc = quit_at_once;
	return kv_main(argc, argv);
}
