/* BREAKS: HTTP-010 */
/* "Host : x" is accepted: the field name is trimmed like the value. RFC
 * 9112 §5.1 requires a 400, because another parser (a proxy in front) may
 * read that line as a different field, or none.
 */
#include "common.h"

static int parse_field_line_trim_name(struct http_req *r, char *line)
{
	if (line[0] == ' ' || line[0] == '\t')
		return 400;
	char *colon = strchr(line, ':');
	if (colon == NULL || colon == line)
		return 400;
	*colon = '\0';
	char *e = colon; /* BUG: whitespace before the colon is trimmed, not refused */
	while (e > line && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	for (const char *p = line; *p; p++)
		if (!http_is_tchar((unsigned char)*p))
			return 400;
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	if (r->nfields >= http.max_fields)
		return 431;
	r->fields[r->nfields].name = line;
	r->fields[r->nfields].value = v;
	r->nfields++;
	return 0;
}

int main(int argc, char **argv)
{
	http.parse_field_line = parse_field_line_trim_name;
	return http_main(argc, argv);
}
