/* BREAKS: ECHO-003 */
/* Echoes line by line: bytes are collected until a '\n' arrives (or the line
 * buffer is full, or the client half-closes), so a client that sends "abc"
 * without a newline and waits for the echo waits forever. TCP has no
 * message boundaries; an echo server must not invent any.
 */
#include "common.h"

static void serve(int fd)
{
	char line[64 * 1024];
	size_t len = 0;
	for (;;) {
		ssize_t n = recv(fd, line + len, sizeof line - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		/* BUG: only complete lines are echoed; the tail waits for its '\n'. */
		char *nl = memrchr(line, '\n', len);
		size_t ready = nl ? (size_t)(nl - line) + 1 : (len == sizeof line ? len : 0);
		if (ready == 0)
			continue;
		if (echo_send_all(fd, line, ready) < 0)
			goto out;
		memmove(line, line + ready, len - ready);
		len -= ready;
	}
	if (len > 0) /* the last, unterminated line at EOF */
		echo_send_all(fd, line, len);
out:
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
