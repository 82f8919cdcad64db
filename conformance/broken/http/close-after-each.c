/* BREAKS: HTTP-021 */
/* Every response ends the connection ("Connection: close" on all of them):
 * HTTP/1.0 behaviour. Legal for a single response, but HTTP/1.1 clients
 * expect persistence, and every request now pays for a new handshake
 * (RFC 9112 §9.3).
 */
#include "common.h"

static int keep_alive_never(const struct http_req *r)
{
	(void)r;
	return 0; /* BUG: one request per connection */
}

int main(int argc, char **argv)
{
	http.keep_alive = keep_alive_never;
	return http_main(argc, argv);
}
