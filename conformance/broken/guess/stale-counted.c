/* BREAKS: GUESS-004 */
/* Recognises a retransmission of the last request, but treats any other
 * seq, older ones included, as a new guess: a late duplicate of an old
 * request is counted again instead of refused as stale.
 */
#include "common.h"

static size_t replay_only(struct session *s, uint32_t seq, char *out)
{
	if (s->last_seq != 0 && seq == s->last_seq) {
		memcpy(out, s->last_reply, s->last_len);
		return s->last_len;
	}
	return 0; /* BUG: missing `if (seq < s->last_seq) -> ERR stale` */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.seq_check = replay_only});
}
