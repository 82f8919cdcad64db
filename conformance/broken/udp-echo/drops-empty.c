/* BREAKS: UECHO-004 */
/* Treats a zero-length datagram like "nothing read" (the TCP habit of
 * n == 0 meaning end-of-file) and never answers it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	static char buf[UECHO_MAX];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n <= 0) /* BUG: an empty datagram is a datagram */
			continue;
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
	}
}
