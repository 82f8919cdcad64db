/* BREAKS: CHAT-006 */
/* A message goes to every joined client, its sender included.
 */
#include "common.h"

static void message_to_all(struct chat_client *c, const char *text, size_t len)
{
	char buf[2 * CHAT_MAX_LINE];
	int n = snprintf(buf, sizeof buf, "MSG %s ", c->nick);
	memcpy(buf + n, text, len);
	buf[n + len] = '\n';
	chat.broadcast(NULL, buf, n + len + 1); /* BUG: should be except c */
}

int main(int argc, char **argv)
{
	chat.message = message_to_all;
	return chat_main(argc, argv);
}
