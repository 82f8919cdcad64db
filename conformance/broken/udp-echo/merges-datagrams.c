/* BREAKS: UECHO-005 */
/* Reads everything that is queued (non-blocking, until EAGAIN) and answers
 * consecutive datagrams from the same sender with one datagram holding all
 * their bytes, as if UDP were a byte stream. One datagram at a time it
 * looks right; a burst comes back merged.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	static char out[UECHO_MAX], buf[UECHO_MAX];
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		poll(&p, 1, -1);
		struct sockaddr_storage peer, from;
		socklen_t peerlen = 0, fromlen;
		size_t used = 0;
		for (;;) {
			fromlen = sizeof from;
			ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from,
					     &fromlen);
			int same = n >= 0 && peerlen == fromlen && memcmp(&peer, &from, fromlen) == 0;
			/* BUG: the bytes of several datagrams go into one answer */
			if (peerlen && (!same || used + (size_t)n > sizeof out)) {
				sendto(fd, out, used, 0, (struct sockaddr *)&peer, peerlen);
				used = 0, peerlen = 0;
			}
			if (n < 0)
				break;
			memcpy(out + used, buf, (size_t)n);
			used += (size_t)n;
			peer = from, peerlen = fromlen;
		}
	}
}
