/* BREAKS: HTTP-039 */
/* --max-body is checked against Content-Length only: a chunked body has no
 * declared length, so it may grow without bound. The limit must apply to
 * the bytes decoded so far.
 */
#include "common.h"

static int too_large_declared_only(const struct http_req *r, unsigned long long total)
{
	if (r->chunked)
		return 0; /* BUG: "no Content-Length, nothing to check" */
	return total > (unsigned long long)http_max_body;
}

int main(int argc, char **argv)
{
	http.too_large = too_large_declared_only;
	return http_main(argc, argv);
}
