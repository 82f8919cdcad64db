/* BREAKS: HTTP-019 */
/* The body is read first and measured after: a client that declares a
 * too-large Content-Length waits (and the server reads) until it has sent
 * everything, before it learns it was refused. The declared length is
 * known from the head; the 413 can come at once.
 */
#include "common.h"

static int body_length_then_check(struct http_conn *c, struct http_req *r)
{
	http.send_continue(c, r);
	long long left = r->clen; /* BUG: read (and drop) it all before looking at the size */
	while (left > 0) {
		if (c->len == 0 && http_fill_body(c) < 0)
			return -1;
		size_t n = left < (long long)c->len ? (size_t)left : c->len;
		if (!http.too_large(r, (unsigned long long)r->clen)) {
			char *p = realloc(r->body, r->bodylen + n + 1);
			if (p == NULL)
				return -1;
			r->body = p;
			memcpy(r->body + r->bodylen, c->buf, n);
			r->bodylen += n;
		}
		http_consume(c, n);
		left -= (long long)n;
	}
	return http.too_large(r, (unsigned long long)r->clen) ? 413 : 0;
}

int main(int argc, char **argv)
{
	http.body_length = body_length_then_check;
	return http_main(argc, argv);
}
