/* BREAKS: PROXY-024, PROXY-025 */
/* No keep-alive pool: each upstream connection is closed after its
 * exchange, so every request pays a new TCP handshake to the origin (and
 * leaves a TIME_WAIT behind on the proxy's side).
 */
#include "common.h"

static void pool_put_close(struct px_backend *b, int fd)
{
	(void)b;
	close(fd); /* BUG: never kept */
}

int main(int argc, char **argv)
{
	px.pool_put = pool_put_close;
	return px_main(argc, argv, PX_PROXY);
}
