/* BREAKS: HTTP-032 */
/* Any If-Modified-Since gets 304, whatever its date: "the client has it
 * already". A client with an old copy (or a garbled date, which must be
 * ignored) never sees the new file.
 */
#include "common.h"

static int not_modified_if_asked(const struct http_req *r, time_t mtime)
{
	(void)mtime;
	return http_field(r, "If-Modified-Since") != NULL; /* BUG: date not compared */
}

int main(int argc, char **argv)
{
	http.not_modified = not_modified_if_asked;
	return http_main(argc, argv);
}
