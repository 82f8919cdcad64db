/* BREAKS: UECHO-002 */
/* Echoes strlen(buf) bytes of each datagram: everything from the first NUL
 * on is lost (and a datagram that starts with NUL comes back empty).
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	static char buf[UECHO_MAX + 1];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, UECHO_MAX, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		buf[n] = '\0';
		/* BUG: a datagram is bytes, not a C string */
		sendto(fd, buf, strlen(buf), 0, (struct sockaddr *)&from, fromlen);
	}
}
