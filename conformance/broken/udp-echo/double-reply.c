/* BREAKS: UECHO-002, UECHO-009 */
/* "UDP is unreliable, so send every answer twice": each datagram gets two
 * identical answers.
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
		if (n < 0)
			continue;
		for (int copy = 0; copy < 2; copy++) /* BUG: one request, one answer */
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
	}
}
