/* BREAKS: CHAT-019, CHAT-020 */
/* SO_LINGER {1, 0} on every connection (the folk remedy for TIME_WAIT):
 * every close the server makes is an RST, never a FIN.
 */
#include "common.h"

static void linger_zero(int fd)
{
	struct linger l = {1, 0}; /* BUG: close() sends RST */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

int main(int argc, char **argv)
{
	chat.accepted = linger_zero;
	return chat_main(argc, argv);
}
