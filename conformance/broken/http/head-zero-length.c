/* BREAKS: HTTP-004 */
/* A HEAD response says "Content-Length: 0", since no body follows. But HEAD
 * must get the fields GET would get: Content-Length is the size of the body
 * a GET would have (RFC 9110 §9.3.2, §8.6), which is how clients learn a
 * file's size without fetching it.
 */
#include "common.h"

static int send_head_zero(struct http_conn *c, struct http_req *r, const struct http_res *res)
{
	char date[64], head[10240];
	http_fmt_date(date, sizeof date, time(NULL));
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nDate: %s\r\n", res->status,
			 http_reason(res->status), date);
	if (res->type)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", res->type);
	if (!res->no_body) /* BUG: the length of what is sent, not of what GET would send */
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n",
			      r->is_head ? (size_t)0 : res->len);
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
	http.send_head = send_head_zero;
	return http_main(argc, argv);
}
