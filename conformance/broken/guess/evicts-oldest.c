/* BREAKS: GUESS-008 */
/* Bounded, but when full it forgets the session created first (FIFO), not
 * the one used least recently: an active player loses its game to a crowd
 * of newcomers while idle sessions stay.
 */
#include "common.h"

static struct session *make_room(struct guess_server *g)
{
	struct session *old = &g->s[0];
	for (size_t i = 1; i < g->n; i++)
		if (g->s[i].created < old->created) /* BUG: last_used, not created */
			old = &g->s[i];
	return old;
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.make_room = make_room});
}
