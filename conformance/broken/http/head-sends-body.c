/* BREAKS: HTTP-004 */
/* HEAD is handled exactly like GET, body included. The client, which knows
 * a HEAD response has no body, reads the file's bytes as the start of the
 * next response.
 */
#include "common.h"

static int respond_head_body(struct http_conn *c, struct http_req *r, struct http_res *res)
{
	r->status = res->status;
	if (http.send_head(c, r, res) < 0)
		return -1;
	if (res->no_body) /* BUG: no r->is_head here */
		return 0;
	if (res->fd < 0) {
		r->sent = (long long)res->len;
		return http_send_all(c->fd, res->body, res->len);
	}
	off_t off = res->off;
	size_t left = res->len;
	while (left > 0) {
		ssize_t n = sendfile(c->fd, res->fd, &off, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		left -= (size_t)n;
		r->sent += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	http.respond = respond_head_body;
	return http_main(argc, argv);
}
