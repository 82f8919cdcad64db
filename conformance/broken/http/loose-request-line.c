/* BREAKS: HTTP-010 */
/* The request line is read sscanf-style: the first three words, runs of
 * spaces allowed, anything after them ignored, and the version matched by
 * "HTTP/%d.%d" (so "HTTP/1.1x" and "HTTP/01.1" pass). RFC 9112 §3 has one
 * space between exactly three parts and a version of one digit each side.
 */
#include "common.h"

static int parse_request_line_sscanf(struct http_req *r, char *line)
{
	static const char *known[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
				      "OPTIONS", "PATCH", "TRACE", "CONNECT", NULL};
	char *save = NULL;
	/* BUG: words split on runs of spaces; a fourth word is never looked at */
	r->method = strtok_r(line, " ", &save);
	r->target = strtok_r(NULL, " ", &save);
	char *v = strtok_r(NULL, " ", &save);
	int major, minor;
	if (v == NULL || sscanf(v, "HTTP/%d.%d", &major, &minor) != 2) /* BUG: lax version */
		return 400;
	if (major != 1 || (minor != 0 && minor != 1))
		return 505;
	r->minor = minor;
	int ok = 0;
	for (int i = 0; known[i]; i++)
		ok |= strcmp(known[i], r->method) == 0;
	if (!ok)
		return 501;
	r->is_head = strcmp(r->method, "HEAD") == 0;
	return 0;
}

int main(int argc, char **argv)
{
	http.parse_request_line = parse_request_line_sscanf;
	return http_main(argc, argv);
}
