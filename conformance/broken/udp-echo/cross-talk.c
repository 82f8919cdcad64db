/* BREAKS: UECHO-006 */
/* Batches: reads every queued datagram (until EAGAIN), then answers them
 * all. Each queued answer keeps a pointer to the one sockaddr buffer that
 * recvfrom() fills, so the whole batch goes to the last sender: with one
 * client at a time it is right; with many at once, clients get each
 * other's bytes.
 */
#include "common.h"

#define BATCH 256

struct pending {
	char *data;
	size_t len;
	struct sockaddr_storage *to; /* BUG: points at the shared `from` below */
	socklen_t tolen;
};

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, o.port);
	static char bufs[BATCH][2048];
	static struct pending q[BATCH];
	struct sockaddr_storage from;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		poll(&p, 1, -1);
		int k = 0;
		while (k < BATCH) {
			socklen_t fromlen = sizeof from;
			ssize_t n = recvfrom(fd, bufs[k], sizeof bufs[k], MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fromlen);
			if (n < 0)
				break;
			q[k] = (struct pending){bufs[k], (size_t)n, &from, fromlen};
			k++;
		}
		for (int i = 0; i < k; i++)
			sendto(fd, q[i].data, q[i].len, 0, (struct sockaddr *)q[i].to, q[i].tolen);
	}
}
