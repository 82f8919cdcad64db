/* BREAKS: UECHO-003, UECHO-009 */
/* "Datagrams larger than the MTU get fragmented, so send them in pieces":
 * the answer to a datagram larger than 1472 bytes is sent as several
 * datagrams of at most 1472 bytes. The bytes all come back, but a client
 * reading one datagram gets only the first piece, and the wire shows
 * several datagrams for one request.
 */
#include "common.h"

#define PIECE 1472 /* 1500 (Ethernet MTU) - 20 (IPv4) - 8 (UDP) */

static void answer_in_pieces(struct uecho_dgram *d)
{
	size_t off = 0;
	do { /* BUG: a datagram is one message; the kernel fragments if it must */
		size_t len = d->n - off < PIECE ? d->n - off : PIECE;
		sendto(d->fd, d->buf + off, len, 0, (struct sockaddr *)&d->from, d->fromlen);
		off += len;
	} while (off < d->n);
}

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	return uecho_serve(uecho_bind(o.host, o.port), answer_in_pieces);
}
