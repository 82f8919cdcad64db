/* BREAKS: HTTP-006, HTTP-007 */
/* The request head may grow without bound: field lines of any length, any
 * number of them. One client can make the server buffer megabytes, and an
 * over-long head is served instead of refused with 431.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.max_field_line = (size_t)1 << 40; /* BUG: no limits on the head */
	http.max_head = (size_t)1 << 40;
	http.max_fields = INT_MAX;
	return http_main(argc, argv);
}
