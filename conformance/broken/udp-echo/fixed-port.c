/* BREAKS: UECHO-001 */
/* The port is hard-coded: --port is parsed and then ignored, so the server
 * always binds 41017. The harness probes the port it chose and never gets
 * an answer; a second instance could not even bind.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	int fd = uecho_bind(o.host, "41017"); /* BUG: o.port is never used */
	return uecho_serve(fd, uecho_answer);
}
