/* BREAKS: LB-020 */
/* Connections to backends wait for the kernel, not for --connect-timeout:
 * a backend that answers no SYN (its listen queue full) holds the request
 * until the kernel gives up on the connection, two minutes later, before
 * it goes to the next backend; the client has long given up.
 */
#include "../proxy/common.h"

static int connect_blocking(struct px_backend *b, int ms)
{
	(void)ms;
	return px_connect(b, -1); /* BUG: poll() without a timeout: the kernel's own, minutes */
}

int main(int argc, char **argv)
{
	px.connect = connect_blocking;
	return px_main(argc, argv, PX_LB);
}
