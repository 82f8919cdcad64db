/* BREAKS: ECHO-005 */
/* Calls write() once per read and ignores its return value. On a blocking
 * socket write() almost always moves everything, so this passes the big
 * payload test; but a write may legally return less (signal, socket buffer
 * limits), and then the rest is lost. Shown with the shim's short points.
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
			break;
		if (write(fd, buf, (size_t)n) < 0) /* BUG: a short count is ignored */
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
