/* BREAKS: UECHO-007 */
/* Asks for ICMP errors (IP_RECVERR, "to log them") and treats any error of
 * recvfrom() or sendto() as fatal. When a client closes its socket before
 * its answer arrives, the answer meets an ICMP port unreachable, the next
 * call fails with ECONNREFUSED, and the server exits: every later client is
 * left without answers.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	int on = 1;
	setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
	static char buf[UECHO_MAX];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			perror("recvfrom");
			exit(1); /* BUG: one client's ICMP error ends the server */
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen) < 0) {
			perror("sendto");
			exit(1); /* BUG: same */
		}
	}
}
