/* BREAKS: ECHO-012 */
/* SIGPIPE is left at its default action (terminate). When a send fails the
 * thread logs it and goes on reading, trusting the next recv() to report the
 * dead connection: harmless with SIGPIPE ignored, but the next send on a
 * reset socket raises SIGPIPE and one vanished client kills the whole server.
 */
#include "common.h"

static void serve(int fd)
{
	/* Not a bug: bounds kernel memory per client. (It also makes sure that a
	 * client which stops reading soon finds this thread blocked in send.) */
	int sndbuf = 64 * 1024;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	char buf[ECHO_BUF_SIZE];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* A failed send is only logged: recv() will report the end. */
		if (echo_send_all(fd, buf, (size_t)n) < 0)
			perror("send");
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	/* BUG: no echo_ignore_sigpipe(): send() on a reset socket kills us */
	int lfd = echo_listen(o.host, o.port, 1);
	return echo_serve_threads(lfd, serve);
}
