/* BREAKS: CHAT-011 */
/* /quit answers BYE and tells the others, but never closes the connection:
 * the client waits for an end-of-file that does not come.
 */
#include "common.h"

static void cmd_quit_open(struct chat_client *c)
{
	chat_sayf(c, NULL, "BYE\n");
	c->joined = 0;
	chat_sayf(NULL, c, "LEAVE %s quit\n", c->nick);
	/* BUG: no close: the connection stays open (and unjoined) */
}

int main(int argc, char **argv)
{
	chat.cmd_quit = cmd_quit_open;
	return chat_main(argc, argv);
}
