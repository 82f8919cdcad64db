/* BREAKS: GUESS-008 */
/* Parses --max-sessions and never enforces it: the session table grows with
 * every new address (and a flood of spoofed sources grows it without end).
 */
#include "common.h"

static struct session *make_room(struct guess_server *g)
{
	(void)g;
	return NULL; /* BUG: grow instead of forgetting the least recently used */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.make_room = make_room});
}
