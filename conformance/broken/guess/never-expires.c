/* BREAKS: GUESS-007 */
/* Parses --idle and never uses it: a session lives until it is pushed out
 * by --max-sessions, however long its client has been gone.
 */
#include "common.h"

static int expired(const struct guess_server *g, const struct session *s, double now)
{
	(void)g, (void)s, (void)now;
	return 0; /* BUG: "the client may come back" */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.expired = expired});
}
