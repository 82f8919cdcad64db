/* BREAKS: HTTP-018 */
/* Chunk sizes are parsed with a table of lower-case hex digits: "1A" is an
 * error. RFC 9112 §7.1 sizes are HEXDIG, and RFC 5234's HEXDIG is case
 * insensitive in ABNF.
 */
#include "common.h"

static int chunk_size_lower(const char *line, unsigned long long *size)
{
	static const char digits[] = "0123456789abcdef"; /* BUG: no A-F */
	unsigned long long n = 0;
	const char *p = line, *d;
	if (*p == '\0' || (d = strchr(digits, *p)) == NULL)
		return -1;
	for (; *p && (d = strchr(digits, *p)) != NULL; p++) {
		if (n >> 56)
			return -1;
		n = n * 16 + (unsigned long long)(d - digits);
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';')
		return -1;
	*size = n;
	return 0;
}

int main(int argc, char **argv)
{
	http.chunk_size = chunk_size_lower;
	return http_main(argc, argv);
}
