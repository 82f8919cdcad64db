/* BREAKS: CHAT-017 */
/* The WELCOME line is built in a malloc'd buffer whose result is never
 * checked: when memory runs out during a join, the server writes through
 * NULL and dies.
 */
#include "common.h"

static void join_malloc(struct chat_client *c, const char *nick)
{
	size_t n = strlen(nick) + 10;
	char *welcome = malloc(n); /* BUG: not checked */
	snprintf(welcome, n, "WELCOME %s\n", nick);
	strcpy(c->nick, nick);
	c->joined = 1;
	chat.deliver(c, welcome, strlen(welcome));
	free(welcome);
	chat_sayf(NULL, c, "JOIN %s\n", nick);
}

int main(int argc, char **argv)
{
	chat.join = join_malloc;
	return chat_main(argc, argv);
}
