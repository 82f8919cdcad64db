/* BREAKS: UECHO-002 */
/* Answers from a second socket (bound to an ephemeral port) instead of the
 * one the datagram arrived on. The bytes reach the client's address and
 * port, but from another source port: a client whose socket is connect()ed
 * to the server never receives them (the kernel filters them out), and a
 * client that checks the sender sees a stranger.
 */
#include "common.h"

static int out = -1; /* BUG: a socket of its own for replies */

static void answer_from_elsewhere(struct uecho_dgram *d)
{
	sendto(out, d->buf, d->n, 0, (struct sockaddr *)&d->from, d->fromlen); /* BUG: not d->fd */
}

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	out = socket(AF_INET, SOCK_DGRAM, 0);
	return uecho_serve(fd, answer_from_elsewhere);
}
