/* BREAKS: HTTP-023 */
/* Each request starts with an empty buffer: whatever was read after the
 * end of the previous request (the next pipelined requests) is thrown
 * away, and the client waits for answers that never come.
 */
#include "common.h"

static void request_done_drop_rest(struct http_conn *c)
{
	c->len = 0; /* BUG: pipelined requests already read are dropped */
}

int main(int argc, char **argv)
{
	http.request_done = request_done_drop_rest;
	return http_main(argc, argv);
}
