/* BREAKS: ECHO-017 */
/* The listening socket is made without SO_REUSEADDR. The server closes its
 * client connections first when it stops, so TIME_WAIT sockets sit on its
 * port for a minute, and a restart on that port fails with EADDRINUSE
 * ("Address already in use") until they expire.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	echo_exit_on_sigterm();
	int lfd = echo_listen(o.host, o.port, 0); /* BUG: 0 = no SO_REUSEADDR */
	return echo_serve_threads(lfd, echo_copy);
}
