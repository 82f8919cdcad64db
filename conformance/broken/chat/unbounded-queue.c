/* BREAKS: CHAT-014 */
/* The output queue of a client grows without limit: one that stops reading
 * is never disconnected, and the server's memory grows with every message.
 */
#include "common.h"

int main(int argc, char **argv)
{
	chat.out_cap = 0; /* BUG: no bound, never LEAVE slow */
	return chat_main(argc, argv);
}
