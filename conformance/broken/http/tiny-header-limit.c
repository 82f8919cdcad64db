/* BREAKS: HTTP-006 */
/* A field line must fit 1024 bytes and the head 4 KiB: real requests with
 * big cookies or tokens (a few KiB) are refused with 431.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.max_field_line = 1024; /* BUG: limits far below what clients send */
	http.max_head = 4096;
	return http_main(argc, argv);
}
