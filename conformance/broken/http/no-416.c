/* BREAKS: HTTP-034 */
/* A range past the end of the file is answered with 200 and the whole
 * file. The client asked for bytes that do not exist; RFC 9110 §15.5.17
 * says 416, with a Content-Range that tells it the size.
 */
#include "common.h"

static int range_never_416(const struct http_req *r, off_t size, off_t *first, off_t *last)
{
	int rc = http_range(r, size, first, last);
	return rc < 0 ? 0 : rc; /* BUG: unsatisfiable -> the whole file */
}

int main(int argc, char **argv)
{
	http.range = range_never_416;
	return http_main(argc, argv);
}
