/* BREAKS: GUESS-007 */
/* Reads --idle as milliseconds (the unit of the poll() timeout it also
 * feeds): `--idle 1` forgets a session after one millisecond, so every
 * game restarts at each guess a client makes after a pause.
 */
#include "common.h"

static int expired(const struct guess_server *g, const struct session *s, double now)
{
	return (now - s->last_used) * 1000 > g->o.idle; /* BUG: the unit is seconds */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.expired = expired});
}
