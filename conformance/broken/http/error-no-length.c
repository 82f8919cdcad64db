/* BREAKS: HTTP-003 */
/* Error pages go out without Content-Length, their end marked by closing
 * the connection (as HTTP/1.0 servers did). The client can still read them,
 * but every error costs the connection, and the spec asks for a length on
 * every response that has a body.
 */
#include "common.h"

static int send_head_error_no_length(struct http_conn *c, struct http_req *r,
				     const struct http_res *res)
{
	char date[64], head[10240];
	http_fmt_date(date, sizeof date, time(NULL));
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nDate: %s\r\n", res->status,
			 http_reason(res->status), date);
	if (res->type)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", res->type);
	if (res->status >= 400)
		r->close = 1; /* BUG: an error page is delimited by the close ... */
	else if (!res->no_body)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", res->len);
	if (r->close)
		n += snprintf(head + n, sizeof head - (size_t)n, "Connection: close\r\n");
	else if (r->minor == 0)
		n += snprintf(head + n, sizeof head - (size_t)n, "Connection: keep-alive\r\n");
	if ((size_t)n + res->extralen + 2 > sizeof head)
		return -1;
	memcpy(head + n, res->extra, res->extralen);
	n += (int)res->extralen;
	memcpy(head + n, "\r\n", 2);
	return http_send_all(c->fd, head, (size_t)n + 2); /* ... and has no Content-Length */
}

int main(int argc, char **argv)
{
	http.send_head = send_head_error_no_length;
	return http_main(argc, argv);
}
