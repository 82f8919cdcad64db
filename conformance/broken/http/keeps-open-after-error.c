/* BREAKS: HTTP-013 */
/* Whether the connection stays open is decided from the request's version
 * and Connection field alone, also after a 400: the server then reads on
 * from a stream whose framing it has just failed to understand, and answers
 * whatever it finds there (a smuggled request, say).
 */
#include "common.h"

static int respond_keep_open(struct http_conn *c, struct http_req *r, struct http_res *res)
{
	r->close = !http.keep_alive(r); /* BUG: the error that closes is forgotten */
	return http_respond(c, r, res);
}

int main(int argc, char **argv)
{
	http.respond = respond_keep_open;
	return http_main(argc, argv);
}
