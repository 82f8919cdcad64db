/* BREAKS: HTTP-039 */
/* The body is what came in the same read as the head (plus one more read
 * if that was short): a body larger than a TCP segment or two is cut off,
 * and its rest is then parsed as the next request.
 */
#include "common.h"

static int body_length_one_read(struct http_conn *c, struct http_req *r)
{
	if (http.too_large(r, (unsigned long long)r->clen))
		return 413;
	r->body = malloc((size_t)r->clen + 1);
	if (r->body == NULL)
		return -1;
	http.send_continue(c, r);
	if (c->len == 0 && http_fill_body(c) < 0) /* BUG: one read, not a loop */
		return -1;
	size_t n = (size_t)r->clen < c->len ? (size_t)r->clen : c->len;
	memcpy(r->body, c->buf, n);
	r->bodylen = n;
	http_consume(c, n);
	return 0;
}

int main(int argc, char **argv)
{
	http.body_length = body_length_one_read;
	return http_main(argc, argv);
}
