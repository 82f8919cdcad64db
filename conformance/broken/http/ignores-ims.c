/* BREAKS: HTTP-032 */
/* If-Modified-Since is never looked at: every conditional GET gets the
 * whole file again, and caches cannot revalidate (RFC 9110 §13.1.3).
 */
#include "common.h"

static int not_modified_never(const struct http_req *r, time_t mtime)
{
	(void)r;
	(void)mtime;
	return 0; /* BUG: never 304 */
}

int main(int argc, char **argv)
{
	http.not_modified = not_modified_never;
	return http_main(argc, argv);
}
