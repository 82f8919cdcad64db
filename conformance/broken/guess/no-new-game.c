/* BREAKS: GUESS-006 */
/* After CORRECT the game goes on with the same secret and the same try
 * count: a new guess after winning is counted in the old game.
 */
#include "common.h"

static size_t play(struct guess_server *g, struct session *s, uint32_t seq, uint64_t n, char *out)
{
	if (s->last_seq != 0 && seq == s->last_seq) {
		memcpy(out, s->last_reply, s->last_len);
		return s->last_len;
	}
	if (seq < s->last_seq)
		return (size_t)sprintf(out, "ERR %u stale\n", seq);
	if (n < 1 || n > g->o.max)
		return (size_t)sprintf(out, "ERR %u range\n", seq);
	/* BUG: missing `if (s->won) guess_new_game(g, s);` */
	s->tries++;
	s->last_seq = seq;
	const char *word = guess_hint(s->secret, n);
	s->won = strcmp(word, "CORRECT") == 0;
	s->last_len = (size_t)sprintf(s->last_reply, "%s %u %u\n", word, seq, s->tries);
	memcpy(out, s->last_reply, s->last_len);
	return s->last_len;
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.play = play});
}
