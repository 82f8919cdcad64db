/* BREAKS: ECHO-018, ECHO-019, ECHO-011 */
/* Sets SO_LINGER {on, 0 s} on every connection ("to avoid TIME_WAIT"), which
 * turns every close() into an abortive close: the kernel discards unsent data
 * and sends RST instead of FIN. The client sees ECONNRESET instead of EOF,
 * and the wire shows RST where an orderly FIN exchange belongs.
 */
#include "common.h"

static void serve(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg); /* BUG: close = RST */
	echo_copy(fd);
}

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	echo_exit_on_sigterm();
	int lfd = echo_listen(o.host, o.port, 1);
	return echo_serve_threads(lfd, serve);
}
