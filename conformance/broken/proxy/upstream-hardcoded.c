/* BREAKS: PROXY-001 */
/* --upstream is read and checked, but the proxy forwards to the origin the
 * learner developed against (127.0.0.1:8000), written into the program
 * while testing and never replaced by the option. One instance on a
 * developer's machine looks right; two instances, each given its own
 * origin, both go to the same one.
 */
#include "common.h"

static int upstream_from_development(const char *list)
{
	if (px_backends_parse(list) < 0) /* the option is still checked ... */
		return -1;
	return px_backends_parse("127.0.0.1:8000"); /* BUG: ... and then overridden */
}

int main(int argc, char **argv)
{
	px.backends_parse = upstream_from_development;
	return px_main(argc, argv, PX_PROXY);
}
