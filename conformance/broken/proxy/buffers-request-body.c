/* BREAKS: PROXY-020 */
/* Holds the whole request (head and body) until its last byte has arrived,
 * then sends it in one go: simple, and fine for small forms, but an upload
 * costs the proxy its whole size in memory, and the origin sees nothing
 * while a slow client sends.
 */
#include "common.h"

int main(int argc, char **argv)
{
	px.req_flush_at = SIZE_MAX; /* BUG: nothing goes up before the end of the body */
	return px_main(argc, argv, PX_PROXY);
}
