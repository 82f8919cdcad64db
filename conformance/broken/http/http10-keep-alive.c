/* BREAKS: HTTP-021 */
/* Every connection is persistent unless the client says "close", HTTP/1.0
 * included. An HTTP/1.0 client that did not ask for keep-alive reads until
 * EOF, and waits (RFC 9112 §9.3).
 */
#include "common.h"

static int keep_alive_unless_close(const struct http_req *r)
{
	return !r->conn_close; /* BUG: HTTP/1.0 defaults to close */
}

int main(int argc, char **argv)
{
	http.keep_alive = keep_alive_unless_close;
	return http_main(argc, argv);
}
