/* BREAKS: GUESS-005 */
/* Sessions are keyed by the client's IP address only, not its port: two
 * programs on one host (or behind one NAT) share one game, and each sees
 * the other's guesses in its try count and its seqs refused as stale.
 */
#include "common.h"

static int same_client(const struct session *s, const struct sockaddr_storage *peer,
		       socklen_t peerlen)
{
	(void)peerlen;
	const struct sockaddr_in *a = (const struct sockaddr_in *)&s->peer;
	const struct sockaddr_in *b = (const struct sockaddr_in *)peer;
	return a->sin_addr.s_addr == b->sin_addr.s_addr; /* BUG: the port is part of the key */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.same_client = same_client});
}
