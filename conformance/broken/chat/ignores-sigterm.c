/* BREAKS: CHAT-018 */
/* SIGTERM is ignored, so only SIGKILL stops the server.
 */
#include "common.h"

int main(int argc, char **argv)
{
	signal(SIGTERM, SIG_IGN); /* BUG */
	return chat_main(argc, argv);
}
