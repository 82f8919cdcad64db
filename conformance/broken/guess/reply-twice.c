/* BREAKS: GUESS-002, GUESS-012 */
/* "UDP loses datagrams, so send every reply twice": each request gets two
 * identical reply datagrams.
 */
#include "common.h"

static void reply(int fd, const char *out, size_t len, const struct sockaddr *to, socklen_t tolen)
{
	for (int copy = 0; copy < 2; copy++) /* BUG: one request, one reply */
		sendto(fd, out, len, 0, to, tolen);
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.reply = reply});
}
