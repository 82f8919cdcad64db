/* BREAKS: HTTP-003 */
/* The Date field is written with asctime(): "Sat Nov 21 10:00:00 2026".
 * That is one of the obsolete formats a recipient must still parse, but a
 * sender must use IMF-fixdate (RFC 9110 §5.6.7).
 */
#include "common.h"

static int send_head_asctime(struct http_conn *c, struct http_req *r, const struct http_res *res)
{
	char date[64], head[10240];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm); /* BUG: asctime format */
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nDate: %s\r\n", res->status,
			 http_reason(res->status), date);
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
	http.send_head = send_head_asctime;
	return http_main(argc, argv);
}
