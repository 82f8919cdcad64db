/* BREAKS: ECHO-013, ECHO-014, ECHO-020 */
/* Treats every accept() failure as fatal. accept fails for reasons that are
 * not the server's fault and pass: EMFILE when descriptors run out,
 * ECONNABORTED when a client resets before it is accepted, EINTR. Each of
 * them kills the server and every client connected to it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	int lfd = echo_listen(o.host, o.port, 1);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			perror("accept");
			exit(1); /* BUG: EMFILE, ECONNABORTED, EINTR are not fatal */
		}
		echo_spawn(echo_copy, fd);
	}
}
