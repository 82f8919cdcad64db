/* BREAKS: GUESS-006 */
/* After CORRECT the game goes on with the same secret and the same try
 * count: a new guess after winning is counted in the old game.
 */
#include "common.h"

static void keep_playing(struct guess_server *g, struct session *s)
{
	(void)g, (void)s; /* BUG: the same secret, the same try count */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.new_game = keep_playing});
}
