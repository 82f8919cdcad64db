/* BREAKS: HTTP-034 */
/* "bytes=-n" is served as the first n bytes, as if it were "bytes=0-(n-1)".
 * It means the last n bytes (RFC 9110 §14.1.2), which is how a client
 * reads the index at the end of an archive.
 */
#include "common.h"

static int range_suffix_wrong(const struct http_req *r, off_t size, off_t *first, off_t *last)
{
	int rc = http_range(r, size, first, last);
	const char *v = http_field(r, "Range");
	if (rc == 1 && v && v[6] == '-') { /* BUG: the suffix counted from the start */
		*last = *last - *first;
		*first = 0;
	}
	return rc;
}

int main(int argc, char **argv)
{
	http.range = range_suffix_wrong;
	return http_main(argc, argv);
}
