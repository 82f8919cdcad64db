/* BREAKS: HTTP-005 */
/* The request line must fit a 4096-byte buffer: longer ones get 414. RFC
 * 9112 §3 recommends accepting request lines of at least 8000 bytes, and
 * long query strings are common.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.max_request_line = 4096; /* BUG: half of what clients may send */
	return http_main(argc, argv);
}
