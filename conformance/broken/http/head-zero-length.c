/* BREAKS: HTTP-004 */
/* A HEAD response says "Content-Length: 0", since no body follows. But HEAD
 * must get the fields GET would get: Content-Length is the size of the body
 * a GET would have (RFC 9110 §9.3.2, §8.6), which is how clients learn a
 * file's size without fetching it.
 */
#include "common.h"

static void length_field_sent(struct http_head *h, struct http_req *r, const struct http_res *res)
{
	if (!res->no_body) /* BUG: the length of what is sent, not of what GET would send */
		http_head_add(h, "Content-Length: %zu\r\n", r->is_head ? (size_t)0 : res->len);
}

int main(int argc, char **argv)
{
	http.length_field = length_field_sent;
	return http_main(argc, argv);
}
