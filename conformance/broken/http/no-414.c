/* BREAKS: HTTP-005 */
/* No limit of its own on the request line: only the 64 KiB head limit
 * stops it, so a 9000-byte target is looked up (and gets 404) instead of
 * 414 URI Too Long.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.max_request_line = (size_t)1 << 40; /* BUG: no request-line limit */
	return http_main(argc, argv);
}
