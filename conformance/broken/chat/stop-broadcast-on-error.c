/* BREAKS: CHAT-016 */
/* A broadcast stops at the first recipient whose send fails: that one is
 * dropped, and everyone after it in the list misses the line.
 */
#include "common.h"

static void broadcast_until_error(const struct chat_client *except, const char *line, size_t len)
{
	for (struct chat_client *c = chat_clients; c != NULL; c = c->next)
		if (c->joined && !c->dead && c != except)
			if (chat.deliver(c, line, len) < 0 && strcmp(c->dead, "closed") == 0)
				return; /* BUG: the others miss this line */
}

int main(int argc, char **argv)
{
	chat.broadcast = broadcast_until_error;
	return chat_main(argc, argv);
}
