/* BREAKS: GUESS-005 */
/* One game for everybody: the first session matches every client, whatever
 * its address and port, so clients playing at once share a secret and a try
 * count, and see each other's seqs refused as stale.
 */
#include "common.h"

static int same_client(const struct session *s, const struct sockaddr_storage *peer,
		       socklen_t peerlen)
{
	(void)s;
	(void)peer;
	(void)peerlen;
	return 1; /* BUG: the client's address and port are the key */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.same_client = same_client});
}
