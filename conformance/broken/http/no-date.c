/* BREAKS: HTTP-003 */
/* No Date field: "the client can see the time itself". RFC 9110 §6.6.1
 * requires an origin server with a clock to send one in every response.
 */
#include "common.h"

static void date_field_none(struct http_head *h)
{
	(void)h; /* BUG: no Date field */
}

int main(int argc, char **argv)
{
	http.date_field = date_field_none;
	return http_main(argc, argv);
}
