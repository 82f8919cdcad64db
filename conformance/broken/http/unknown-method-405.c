/* BREAKS: HTTP-012 */
/* Any method token is accepted, and a static path answers what it does not
 * know with 405. 405 says "this resource does not allow that method"; a
 * method the server does not implement at all deserves 501 (RFC 9110 §9.1).
 */
#include "common.h"

static int parse_request_line_any_method(struct http_req *r, char *line)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return 400;
	*sp1 = *sp2 = '\0';
	r->method = line;
	r->target = sp1 + 1;
	const char *v = sp2 + 1;
	for (const char *p = r->method; *p; p++)
		if (!http_is_tchar((unsigned char)*p))
			return 400;
	for (const char *p = r->target; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 400;
	if (strncmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) || v[6] != '.' ||
	    !isdigit((unsigned char)v[7]) || v[8] != '\0')
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	r->minor = v[7] - '0';
	/* BUG: no list of implemented methods: BREW goes on to the handlers */
	r->is_head = strcmp(r->method, "HEAD") == 0;
	return 0;
}

int main(int argc, char **argv)
{
	http.parse_request_line = parse_request_line_any_method;
	return http_main(argc, argv);
}
