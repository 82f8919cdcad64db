/* BREAKS: UECHO-008 */
/* Ignores SIGTERM "so that it does not die by accident": a supervisor's
 * stop request does nothing, and only SIGKILL ends it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	signal(SIGTERM, SIG_IGN); /* BUG */
	int fd = uecho_bind(o.host, o.port);
	return uecho_serve(fd, uecho_answer);
}
