/* BREAKS: ECHO-001 */
/* The port is hard-coded: --port is parsed and then ignored, so the server
 * always listens on 41007. A harness (or a second instance) that picks the
 * port never finds it there; every test that starts it times out waiting for
 * readiness.
 */
#include "common.h"

#define PORT "41007" /* BUG: the port the learner used while developing */

int main(int argc, char **argv)
{
	struct echo_opts o;
	echo_parse_args(argc, argv, &o);
	echo_ignore_sigpipe();
	int lfd = echo_listen(o.host, PORT, 1); /* BUG: o.port is never used */
	return echo_serve_threads(lfd, echo_copy);
}
