/* BREAKS: HTTP-018 */
/* After the last chunk ("0\r\n") the server expects the final CRLF at once:
 * trailer fields are not read, so they are parsed as the start of the next
 * request. RFC 9112 §7.1.2 lets a trailer section follow the last chunk.
 */
#include "common.h"

static int trailers_none(struct http_conn *c)
{
	/* BUG: assumes no trailer section; if the next line is a trailer field,
	 * it and the rest are taken for the next request */
	if (c->len < 2 && http_fill(c, http_idle_timeout * 1000) <= 0)
		return -1;
	if (c->len >= 2 && c->buf[0] == '\r' && c->buf[1] == '\n')
		http_consume(c, 2);
	return 0;
}

int main(int argc, char **argv)
{
	http.trailers = trailers_none;
	return http_main(argc, argv);
}
