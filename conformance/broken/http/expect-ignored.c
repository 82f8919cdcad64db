/* BREAKS: HTTP-020, HTTP-040 */
/* Expect: 100-continue is ignored: the server waits for the body, and the
 * client waits for the 100 Continue (curl waits a second, other clients
 * longer) before sending it. RFC 9110 §10.1.1: the server either sends the
 * 100 or answers at once.
 */
#include "common.h"

static void send_continue_never(struct http_conn *c, struct http_req *r)
{
	(void)c;
	(void)r; /* BUG: no 100 Continue */
}

int main(int argc, char **argv)
{
	http.send_continue = send_continue_never;
	return http_main(argc, argv);
}
