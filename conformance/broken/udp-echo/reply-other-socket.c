/* BREAKS: UECHO-002 */
/* Answers from a second socket (bound to an ephemeral port) instead of the
 * one the datagram arrived on. The bytes reach the client's address and
 * port, but from another source port: a client whose socket is connect()ed
 * to the server never receives them (the kernel filters them out), and a
 * client that checks the sender sees a stranger.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	int out = socket(AF_INET, SOCK_DGRAM, 0); /* BUG: a socket of its own for replies */
	static char buf[UECHO_MAX];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		sendto(out, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen); /* BUG: not fd */
	}
}
