/* BREAKS: ECHO-011 */
/* On end-of-file the connection thread stops reading and returns, but never
 * closes the socket: no FIN is ever sent, so a client that half-closed and
 * waits for EOF waits forever, and every finished client leaks a descriptor.
 */
#include "common.h"

static void serve(int fd)
{
	char buf[ECHO_BUF_SIZE];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* BUG: forgot close(fd) */
		if (echo_send_all(fd, buf, (size_t)n) < 0)
			break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	int lfd = echo_listen(o.host, o.port, 1);
	return echo_serve_threads(lfd, serve);
}
