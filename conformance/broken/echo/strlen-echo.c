/* BREAKS: ECHO-002 */
/* Received data is treated as a C string: the buffer is NUL-terminated and
 * strlen() decides how much to echo, so everything from the first 0x00 byte
 * of each read onwards is silently dropped. TCP carries bytes, not strings.
 */
#include "common.h"

static void serve(int fd)
{
	char buf[ECHO_BUF_SIZE + 1];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (echo_send_all(fd, buf, strlen(buf)) < 0) /* BUG: strlen, not n */
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
