/* BREAKS: UECHO-003, UECHO-009 */
/* "Datagrams larger than the MTU get fragmented, so send them in pieces":
 * the answer to a datagram larger than 1472 bytes is sent as several
 * datagrams of at most 1472 bytes. The bytes all come back, but a client
 * reading one datagram gets only the first piece, and the wire shows
 * several datagrams for one request.
 */
#include "common.h"

#define PIECE 1472 /* 1500 (Ethernet MTU) - 20 (IPv4) - 8 (UDP) */

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
		ssize_t off = 0;
		do { /* BUG: a datagram is one message; the kernel fragments if it must */
			size_t len = (size_t)(n - off) < PIECE ? (size_t)(n - off) : PIECE;
			sendto(fd, buf + off, len, 0, (struct sockaddr *)&from, fromlen);
			off += (ssize_t)len;
		} while (off < n);
	}
}
