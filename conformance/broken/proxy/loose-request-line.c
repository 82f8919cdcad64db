/* BREAKS: PROXY-046 */
/* The request line is split on runs of spaces and words after the version
 * are ignored: "GET  /echo HTTP/1.1 extra" is forwarded. A proxy that
 * reads the line more leniently than the origin hands it requests the
 * origin would have parsed differently.
 */
#include "common.h"

static int split_loose(char *line, char **method, char **target, char **version)
{
	char *save;
	*method = strtok_r(line, " ", &save); /* BUG: any number of spaces, extra words dropped */
	*target = strtok_r(NULL, " ", &save);
	*version = strtok_r(NULL, " ", &save);
	return *method && *target && *version ? 0 : -1;
}

int main(int argc, char **argv)
{
	px.split_request_line = split_loose;
	return px_main(argc, argv, PX_PROXY);
}
