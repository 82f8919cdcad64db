/* BREAKS: CHAT-004 */
/* The NICK notice goes out with the "everyone but the sender" broadcast used
 * for messages, so the client that renamed itself never learns it worked.
 */
#include "common.h"

static void cmd_nick_others(struct chat_client *c, const char *nick)
{
	if (!chat_nick_valid(nick)) {
		chat_sayf(c, NULL, "ERR nick-invalid\n");
	} else if (chat.nick_taken(c, nick)) {
		chat_sayf(c, NULL, "ERR nick-taken\n");
	} else {
		char old[CHAT_MAX_NICK + 1];
		strcpy(old, c->nick);
		strcpy(c->nick, nick);
		chat_sayf(NULL, c, "NICK %s %s\n", old, nick); /* BUG: except c */
	}
}

int main(int argc, char **argv)
{
	chat.cmd_nick = cmd_nick_others;
	return chat_main(argc, argv);
}
