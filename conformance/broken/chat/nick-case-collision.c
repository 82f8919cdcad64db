/* BREAKS: CHAT-003 */
/* Nicks are compared with strcmp: "alice" and "Alice" can both join, and
 * readers cannot tell who is who.
 */
#include "common.h"

static int nick_taken_exact(const struct chat_client *self, const char *nick)
{
	for (struct chat_client *c = chat_clients; c != NULL; c = c->next)
		if (c != self && c->joined && !c->dead && strcmp(c->nick, nick) == 0) /* BUG: case */
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	chat.nick_taken = nick_taken_exact;
	return chat_main(argc, argv);
}
