/* BREAKS: CHAT-002 */
/* Broadcasts go to every connection, joined or not: a client that has not
 * chosen a nick yet already receives JOIN, MSG and NICK lines.
 */
#include "common.h"

static void broadcast_all(const struct chat_client *except, const char *line, size_t len)
{
	for (struct chat_client *c = chat_clients; c != NULL; c = c->next)
		if (!c->dead && c != except) /* BUG: no c->joined check */
			chat.deliver(c, line, len);
}

int main(int argc, char **argv)
{
	chat.broadcast = broadcast_all;
	return chat_main(argc, argv);
}
