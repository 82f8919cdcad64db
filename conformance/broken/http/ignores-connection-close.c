/* BREAKS: HTTP-021 */
/* "Connection: close" is not looked at: the HTTP/1.1 connection stays open
 * after the response, and a client that reads the response until EOF (as
 * such a client may) waits for the idle timeout.
 */
#include "common.h"

static int keep_alive_by_version(const struct http_req *r)
{
	return r->minor == 1 || r->conn_keep_alive; /* BUG: conn_close never checked */
}

int main(int argc, char **argv)
{
	http.keep_alive = keep_alive_by_version;
	return http_main(argc, argv);
}
