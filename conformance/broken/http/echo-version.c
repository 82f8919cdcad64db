/* BREAKS: HTTP-002 */
/* The status line repeats the request's version: an HTTP/1.0 request gets
 * "HTTP/1.0 200 OK". A server states its own version (RFC 9110 §6.2), and
 * this one speaks HTTP/1.1 whatever the client does.
 */
#include "common.h"

static const char *status_version_echo(const struct http_req *r)
{
	return r->minor == 0 ? "HTTP/1.0" : "HTTP/1.1"; /* BUG: the request's, not ours */
}

int main(int argc, char **argv)
{
	http.status_version = status_version_echo;
	return http_main(argc, argv);
}
