/* BREAKS: HTTP-018 */
/* The chunk-size line must be hex digits and nothing else: a chunk
 * extension ("5;name=value") makes it a 400. RFC 9112 §7.1.1 says a
 * recipient ignores extensions it does not understand.
 */
#include "common.h"

static int chunk_size_strict(const char *line, unsigned long long *size)
{
	char *end;
	if (!isxdigit((unsigned char)line[0]))
		return -1;
	*size = strtoull(line, &end, 16);
	return *end == '\0' ? 0 : -1; /* BUG: ";ext" after the size is an error */
}

int main(int argc, char **argv)
{
	http.chunk_size = chunk_size_strict;
	return http_main(argc, argv);
}
