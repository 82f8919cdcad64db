/* BREAKS: HTTP-013 */
/* Closes at once after an error response, even while the client's next
 * bytes (here, the body of a request behind the bad one) are unread. With
 * unread input, close() makes the kernel send an RST instead of a FIN, and
 * an RST can make the client's kernel throw away the response before the
 * client read it (RFC 9112 §9.6: a server closes in stages, reading on for
 * a while after it stopped sending).
 */
#include "common.h"

static void close_at_once(struct http_conn *c)
{
	(void)c; /* BUG: no shutdown(SHUT_WR), no draining: close() follows at once */
}

int main(int argc, char **argv)
{
	http.close_after = close_at_once;
	return http_main(argc, argv);
}
