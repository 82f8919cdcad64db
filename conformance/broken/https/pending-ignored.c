/* BREAKS: HTTPS-011 */
/* Waits for the next request with poll() on the socket only. When the
 * client pipelines requests into one TLS record, OpenSSL decrypts the whole
 * record on the first SSL_read and keeps what did not fit (SSL_pending);
 * the socket has nothing more to read, so poll() waits and those requests
 * are never answered.
 */
#include "common.h"

static int poll_socket_only(struct https_conn *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN}; /* BUG: SSL_pending not checked */
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

int main(int argc, char **argv)
{
	https.wait_readable = poll_socket_only;
	return https_main(argc, argv);
}
