/* BREAKS: HTTP-034 */
/* "bytes=a-b" is taken as the half-open [a, b), as in most programming
 * languages: one byte short. HTTP byte ranges are inclusive: bytes=0-0 is
 * the first byte (RFC 9110 §14.1.2).
 */
#include "common.h"

static int range_exclusive(const struct http_req *r, off_t size, off_t *first, off_t *last)
{
	int rc = http_range(r, size, first, last);
	const char *v = http_field(r, "Range");
	if (rc == 1 && v && v[6] != '-' && v[strlen(v) - 1] != '-' && *last < size - 1)
		*last -= 1; /* BUG: an explicit end is taken as exclusive */
	if (rc == 1 && *last < *first)
		return 0;
	return rc;
}

int main(int argc, char **argv)
{
	http.range = range_exclusive;
	return http_main(argc, argv);
}
