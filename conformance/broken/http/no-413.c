/* BREAKS: HTTP-019 */
/* --max-body is parsed and never enforced: any body is read into memory,
 * however large the client says it is. One request can exhaust the
 * server's memory; RFC 9110 §15.5.14 gives the server 413 to refuse it.
 */
#include "common.h"

static int too_large_never(const struct http_req *r, unsigned long long total)
{
	(void)r;
	(void)total;
	return 0; /* BUG: no limit */
}

int main(int argc, char **argv)
{
	http.too_large = too_large_never;
	return http_main(argc, argv);
}
