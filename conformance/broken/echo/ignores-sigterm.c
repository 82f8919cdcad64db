/* BREAKS: ECHO-016 */
/* SIGTERM is ignored ("so the server does not die by accident"), so the only
 * way to stop it is SIGKILL. Supervisors (systemd, docker stop, the test
 * harness) send SIGTERM and wait; this server makes every stop a timeout.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	signal(SIGTERM, SIG_IGN); /* BUG: the polite way to stop us is gone */
	int lfd = echo_listen(o.host, o.port, 1);
	return echo_serve_threads(lfd, echo_copy);
}
