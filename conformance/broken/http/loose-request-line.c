/* BREAKS: HTTP-010 */
/* The request line is read sscanf-style: the first three words, runs of
 * spaces allowed, anything after them ignored, and the version matched by
 * "HTTP/%d.%d" (so "HTTP/1.1x" and "HTTP/01.1" pass). RFC 9112 §3 has one
 * space between exactly three parts and a version of one digit each side.
 */
#include "common.h"

static int split_request_line_words(char *line, char **method, char **target, char **version)
{
	char *save = NULL;
	/* BUG: words split on runs of spaces; a fourth word is never looked at */
	*method = strtok_r(line, " ", &save);
	*target = strtok_r(NULL, " ", &save);
	*version = strtok_r(NULL, " ", &save);
	return *version ? 0 : -1;
}

static int parse_version_sscanf(const char *v, int *major, int *minor)
{
	return sscanf(v, "HTTP/%d.%d", major, minor) == 2 ? 0 : -1; /* BUG: lax version */
}

int main(int argc, char **argv)
{
	http.split_request_line = split_request_line_words;
	http.parse_version = parse_version_sscanf;
	return http_main(argc, argv);
}
