/* BREAKS: CHAT-009 */
/* Room for 256 connections ("struct client clients[256]"): the 257th is
 * accepted and closed at once.
 */
#include "common.h"

int main(int argc, char **argv)
{
	chat.max_clients = 256; /* BUG: a fixed table */
	return chat_main(argc, argv);
}
