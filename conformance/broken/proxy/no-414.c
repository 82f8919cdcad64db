/* BREAKS: PROXY-038 */
/* No limit of its own on the request line: only the 64 KiB head limit
 * stops it, so a 60 KiB request-target is forwarded, and the origin (or
 * the next proxy) must cope with it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	px.max_request_line = PX_MAX_HEAD; /* BUG: should be 8192 */
	return px_main(argc, argv, PX_PROXY);
}
