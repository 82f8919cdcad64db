/* BREAKS: UECHO-002 */
/* Echoes strlen(buf) bytes of each datagram: everything from the first NUL
 * on is lost (and a datagram that starts with NUL comes back empty).
 */
#include "common.h"

static void answer_as_string(struct uecho_dgram *d)
{
	d->buf[d->n] = '\0';
	/* BUG: a datagram is bytes, not a C string */
	sendto(d->fd, d->buf, strlen(d->buf), 0, (struct sockaddr *)&d->from, d->fromlen);
}

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	return uecho_serve(uecho_bind(o.host, o.port), answer_as_string);
}
