/* BREAKS: PROXY-023 */
/* The client connection is kept open only when the request says
 * `Connection: keep-alive`: HTTP/1.0's rule, applied to every client. An
 * HTTP/1.1 connection is persistent unless it says `close` (RFC 9112
 * §9.3), and 1.1 clients do not send keep-alive, so each of them gets one
 * response and a close.
 */
#include "common.h"

static int keep_alive_if_asked(const struct px_msg *r)
{
	return r->conn_keep_alive && !r->conn_close; /* BUG: HTTP/1.1's default ignored */
}

int main(int argc, char **argv)
{
	px.keep_alive = keep_alive_if_asked;
	return px_main(argc, argv, PX_PROXY);
}
