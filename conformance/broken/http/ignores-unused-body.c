/* BREAKS: HTTP-017 */
/* The body is read only by the handler that wants it (/_osnet/echo). A POST
 * to a static file gets its 405, and the body it carried is still in the
 * buffer, where it is parsed as the next request (RFC 9112 §6.3: the
 * framing, not the handler, says where the next request starts).
 */
#include "common.h"

static int body_length_if_wanted(struct http_conn *c, struct http_req *r)
{
	if (strcmp(r->path, "/_osnet/echo") != 0)
		return 0; /* BUG: "nobody needs this body", so it is left unread */
	return http_body_length(c, r);
}

int main(int argc, char **argv)
{
	http.body_length = body_length_if_wanted;
	return http_main(argc, argv);
}
