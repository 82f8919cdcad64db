/* BREAKS: KV-011 */
/* Each recv() is taken to hold whole requests: what is left in the buffer
 * after running them (the start of a request whose end has not arrived)
 * is thrown away, so a request split across two reads is lost.
 */
#include "common.h"

static void run_and_clear(struct kv_client *c)
{
	kv_run_input(c);
	if (!c->paused)
		c->in.off = c->in.len = 0; /* BUG: the start of the next request goes too */
}

int main(int argc, char **argv)
{
	kv.run_input = run_and_clear;
	return kv_main(argc, argv);
}
