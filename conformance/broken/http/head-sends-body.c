/* BREAKS: HTTP-004 */
/* HEAD is handled exactly like GET, body included. The client, which knows
 * a HEAD response has no body, reads the file's bytes as the start of the
 * next response.
 */
#include "common.h"

static int sends_body_even_for_head(const struct http_req *r, const struct http_res *res)
{
	(void)r;
	return !res->no_body; /* BUG: no r->is_head here */
}

int main(int argc, char **argv)
{
	http.sends_body = sends_body_even_for_head;
	return http_main(argc, argv);
}
