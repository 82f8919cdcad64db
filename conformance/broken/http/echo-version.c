/* BREAKS: HTTP-002 */
/* The status line repeats the request's version: an HTTP/1.0 request gets
 * "HTTP/1.0 200 OK". A server states its own version (RFC 9110 §6.2), and
 * this one speaks HTTP/1.1 whatever the client does.
 */
#include "common.h"

static int send_head_echo_version(struct http_conn *c, struct http_req *r,
				  const struct http_res *res)
{
	char date[64], head[10240];
	http_fmt_date(date, sizeof date, time(NULL));
	/* BUG: the version comes from the request, not from the server */
	int n = snprintf(head, sizeof head, "HTTP/1.%d %d %s\r\nDate: %s\r\n", r->minor,
			 res->status, http_reason(res->status), date);
	if (res->type)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", res->type);
	if (!res->no_body)
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
	return http_send_all(c->fd, head, (size_t)n + 2);
}

int main(int argc, char **argv)
{
	http.send_head = send_head_echo_version;
	return http_main(argc, argv);
}
