/* BREAKS: HTTPS-009 */
/* "Helpful": peeks at the first byte, and a connection that does not start
 * with a TLS handshake record (0x16) is served as plain HTTP on the TLS
 * port. The https resource is then answered outside TLS.
 */
#include "common.h"

static int serve_plain_too(struct https_conn *c)
{
	unsigned char first;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	if (poll(&p, 1, https_handshake_timeout * 1000) <= 0)
		return 1;
	if (recv(c->fd, &first, 1, MSG_PEEK) != 1)
		return 1;
	if (first == 0x16)
		return 0;
	https_http_loop(c); /* BUG: c->ssl is NULL: plain HTTP */
	return 1;
}

int main(int argc, char **argv)
{
	https.before_tls = serve_plain_too;
	return https_main(argc, argv);
}
