/* BREAKS: HTTPS-013 */
/* Closes the socket without SSL_shutdown: no close_notify, so the client
 * cannot tell the end of the connection from a truncation.
 */
#include "common.h"

static void close_without_notify(struct https_conn *c)
{
	close(c->fd); /* BUG: no SSL_shutdown first */
}

int main(int argc, char **argv)
{
	https.finish = close_without_notify;
	return https_main(argc, argv);
}
