/* BREAKS: HTTP-019 */
/* "--max-body BYTES" is taken as "less than BYTES": a body of exactly the
 * limit gets 413.
 */
#include "common.h"

static int too_large_off_by_one(const struct http_req *r, unsigned long long total)
{
	(void)r;
	return total >= (unsigned long long)http_max_body; /* BUG: >= */
}

int main(int argc, char **argv)
{
	http.too_large = too_large_off_by_one;
	return http_main(argc, argv);
}
