/* BREAKS: HTTP-025 */
/* A keep-alive connection waits for its next request forever: no idle
 * timeout, so clients that open connections and go away hold a thread and a
 * descriptor each until the server runs out.
 */
#include "common.h"

static int wait_ms_no_idle(const struct http_conn *c)
{
	if (c->first_byte == 0 && c->served)
		return -1; /* BUG: waits forever between requests */
	return http_wait_ms(c);
}

int main(int argc, char **argv)
{
	http.wait_ms = wait_ms_no_idle;
	return http_main(argc, argv);
}
