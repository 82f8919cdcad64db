/* BREAKS: ECHO-007 */
/* The server has room for 512 clients (a fixed-size table in the learner's
 * first version, a counter here). When it is full it accepts the next client
 * and closes it at once, so client 513 gets EOF instead of its echo. Limits
 * must come from the OS, and a fixed small table is one nobody asked for.
 */
#include <stdatomic.h>

#include "common.h"

#define MAX_CLIENTS 512 /* BUG: a small fixed limit */

static atomic_int active;

static void serve(int fd)
{
	echo_copy(fd);
	atomic_fetch_sub(&active, 1);
}

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
		if (atomic_fetch_add(&active, 1) >= MAX_CLIENTS) {
			atomic_fetch_sub(&active, 1);
			close(fd); /* BUG: full: client 513 is dropped */
			continue;
		}
		if (echo_spawn(serve, fd) < 0)
			atomic_fetch_sub(&active, 1);
	}
}
