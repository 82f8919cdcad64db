/* BREAKS: GUESS-003, GUESS-011 */
/* Ignores <seq>: every request is a new guess, so a retransmission (or a
 * duplicate the network made) is counted again and its reply differs.
 */
#include "common.h"

static size_t every_guess_is_new(struct session *s, uint32_t seq, char *out)
{
	(void)s, (void)seq, (void)out;
	return 0; /* BUG: no check for seq == s->last_seq (retransmission) or older (stale) */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.seq_check = every_guess_is_new});
}
