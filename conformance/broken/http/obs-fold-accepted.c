/* BREAKS: HTTP-010 */
/* A field line that starts with whitespace (obs-fold, a continuation of
 * the previous line) is skipped as if it were not there. RFC 9112 §5.2
 * allows a 400 or unfolding; the spec asks for the 400, and quietly
 * dropping part of a field is neither.
 */
#include "common.h"

static int parse_field_line_skip_fold(struct http_req *r, char *line)
{
	if (line[0] == ' ' || line[0] == '\t')
		return 0; /* BUG: a folded line is silently ignored */
	return http_parse_field_line(r, line);
}

int main(int argc, char **argv)
{
	http.parse_field_line = parse_field_line_skip_fold;
	return http_main(argc, argv);
}
