/* BREAKS: HTTP-016 */
/* The server closes the connection when it should (Connection: close,
 * HTTP/1.0, errors) but never says so: no "Connection: close" in the
 * response, so a client may send its next request into a closing socket
 * (RFC 9112 §9.6).
 */
#include "common.h"

static void connection_field_silent_close(struct http_head *h, const struct http_req *r)
{
	if (!r->close && r->minor == 0) /* BUG: nothing said when closing */
		http_head_add(h, "Connection: keep-alive\r\n");
}

int main(int argc, char **argv)
{
	http.connection_field = connection_field_silent_close;
	return http_main(argc, argv);
}
