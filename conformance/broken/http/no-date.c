/* BREAKS: HTTP-003 */
/* No Date field: "the client can see the time itself". RFC 9110 §6.6.1
 * requires an origin server with a clock to send one in every response.
 */
#include "common.h"

static int send_head_no_date(struct http_conn *c, struct http_req *r, const struct http_res *res)
{
	char head[10240];
	/* BUG: no Date field */
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n", res->status, http_reason(res->status));
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
	http.send_head = send_head_no_date;
	return http_main(argc, argv);
}
