/* BREAKS: GUESS-003, GUESS-011 */
/* Ignores <seq>: every request is a new guess, so a retransmission (or a
 * duplicate the network made) is counted again and its reply differs.
 */
#include "common.h"

static size_t play(struct guess_server *g, struct session *s, uint32_t seq, uint64_t n, char *out)
{
	/* BUG: no check for seq == s->last_seq (retransmission) or older (stale) */
	if (n < 1 || n > g->o.max)
		return (size_t)sprintf(out, "ERR %u range\n", seq);
	if (s->won)
		guess_new_game(g, s);
	s->tries++;
	s->last_seq = seq;
	const char *word = guess_hint(s->secret, n);
	s->won = strcmp(word, "CORRECT") == 0;
	return (size_t)sprintf(out, "%s %u %u\n", word, seq, s->tries);
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.play = play});
}
