/* BREAKS: HTTP-011 */
/* Any HTTP/x.y is accepted and treated as HTTP/1.<y>: "GET / HTTP/2.0"
 * gets a 200 as if it were HTTP/1.0. A server must answer a major version
 * it does not speak with 505 (RFC 9110 §15.6.6).
 */
#include "common.h"

static int parse_request_line_any_version(struct http_req *r, char *line)
{
	static const char *known[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
				      "OPTIONS", "PATCH", "TRACE", "CONNECT", NULL};
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
	r->minor = v[7] == '1'; /* BUG: the major version is never checked */
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
	http.parse_request_line = parse_request_line_any_version;
	return http_main(argc, argv);
}
