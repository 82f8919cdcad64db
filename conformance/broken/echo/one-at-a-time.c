/* BREAKS: ECHO-006 */
/* An iterative server: it accepts one client and serves it until EOF before
 * calling accept() again. The second client's connect succeeds (the kernel
 * completes the handshake into the backlog) but nothing is echoed to it
 * until the first client leaves.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	int lfd = echo_listen(o.host, o.port, 1);
	for (;;) {
		int fd = echo_accept(lfd);
		if (fd < 0)
			return 1;
		echo_copy(fd); /* BUG: serves this client to the end, everyone else waits */
	}
}
