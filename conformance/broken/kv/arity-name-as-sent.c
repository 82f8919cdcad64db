/* BREAKS: KV-019 */
/* The arity error names the command as the client spelled it ('GET',
 * 'GeT'), where redis names it in lower case ('get').
 */
#include "common.h"

static void arity_as_sent(struct kv_client *c, const struct kv_cmd *cmd)
{
	(void)cmd;
	kv_reply_error(c, "ERR wrong number of arguments for '%.*s' command", /* BUG */
		       (int)c->argv[0].n, c->argv[0].p);
}

int main(int argc, char **argv)
{
	kv.arity_error = arity_as_sent;
	return kv_main(argc, argv);
}
