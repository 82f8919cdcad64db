/* BREAKS: HTTP-034 */
/* Range is ignored (every GET gets 200 and the whole file) while the
 * responses still say "Accept-Ranges: bytes": a resumed download starts
 * over, and a client that trusts the header gets the wrong bytes.
 */
#include "common.h"

static int range_none(const struct http_req *r, off_t size, off_t *first, off_t *last)
{
	(void)r;
	(void)size;
	(void)first;
	(void)last;
	return 0; /* BUG: never a 206 */
}

int main(int argc, char **argv)
{
	http.range = range_none;
	return http_main(argc, argv);
}
