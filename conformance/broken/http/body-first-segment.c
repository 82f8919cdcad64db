/* BREAKS: HTTP-039 */
/* The body is what came in the same read as the head (or, when nothing
 * of it did, in the next read): a body larger than a TCP segment or two is
 * cut off, and its rest is then parsed as the next request.
 */
#include "common.h"

static int body_length_one_read(struct http_conn *c, struct http_req *r)
{
	if (http.too_large(r, (unsigned long long)r->clen))
		return 413;
	http.send_continue(c, r);
	if (c->len == 0 && http_fill_body(c) < 0)
		return -1;
	if ((size_t)r->clen > c->len)
		r->clen = (long long)c->len; /* BUG: what one read gave is taken as the whole */
	return http_body_length(c, r);
}

int main(int argc, char **argv)
{
	http.body_length = body_length_one_read;
	return http_main(argc, argv);
}
