/* BREAKS: HTTP-016 */
/* The server closes the connection when it should (Connection: close,
 * HTTP/1.0, errors) but never says so: no "Connection: close" in the
 * response, so a client may send its next request into a closing socket
 * (RFC 9112 §9.6).
 */
#include "common.h"

static int send_head_silent_close(struct http_conn *c, struct http_req *r,
				  const struct http_res *res)
{
	char date[64], head[10240];
	http_fmt_date(date, sizeof date, time(NULL));
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nDate: %s\r\n", res->status,
			 http_reason(res->status), date);
	if (res->type)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", res->type);
	if (!res->no_body)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", res->len);
	if (!r->close && r->minor == 0) /* BUG: nothing said when closing */
		n += snprintf(head + n, sizeof head - (size_t)n, "Connection: keep-alive\r\n");
	if ((size_t)n + res->extralen + 2 > sizeof head)
		return -1;
	memcpy(head + n, res->extra, res->extralen);
	n += (int)res->extralen;
	memcpy(head + n, "\r\n", 2);
	return http_send_all(c->fd, head, (size_t)n + 2);
}

int main(int argc, char **argv)
{
	http.send_head = send_head_silent_close;
	return http_main(argc, argv);
}
