/* BREAKS: GUESS-004 */
/* Recognises a retransmission of the last request, but treats any other
 * seq, older ones included, as a new guess: a late duplicate of an old
 * request is counted again instead of refused as stale.
 */
#include "common.h"

static size_t play(struct guess_server *g, struct session *s, uint32_t seq, uint64_t n, char *out)
{
	if (s->last_seq != 0 && seq == s->last_seq) {
		memcpy(out, s->last_reply, s->last_len);
		return s->last_len;
	}
	/* BUG: missing `if (seq < s->last_seq) -> ERR stale` */
	if (n < 1 || n > g->o.max)
		return (size_t)sprintf(out, "ERR %u range\n", seq);
	if (s->won)
		guess_new_game(g, s);
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
