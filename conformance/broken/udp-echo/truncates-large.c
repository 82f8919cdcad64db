/* BREAKS: UECHO-003 */
/* Receives into an 8 KiB buffer: recvfrom() silently cuts a larger datagram
 * to the buffer's size (MSG_TRUNC is never looked at), and the echo is the
 * truncated prefix.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	char buf[8192]; /* BUG: "big enough for any message" */
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
	}
}
