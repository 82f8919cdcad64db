/* BREAKS: HTTP-010 */
/* "Host : x" is accepted: the field name is trimmed like the value. RFC
 * 9112 §5.1 requires a 400, because another parser (a proxy in front) may
 * read that line as a different field, or none.
 */
#include "common.h"

static int parse_field_line_trim_name(struct http_req *r, char *line)
{
	char *colon = strchr(line, ':');
	if (colon) { /* BUG: whitespace before the colon is dropped, not refused */
		char *e = colon;
		while (e > line && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		memmove(e, colon, strlen(colon) + 1);
	}
	return http_parse_field_line(r, line);
}

int main(int argc, char **argv)
{
	http.parse_field_line = parse_field_line_trim_name;
	return http_main(argc, argv);
}
