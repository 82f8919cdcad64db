/* BREAKS: SIDECAR-003 */
/* An origin that refused a connection is marked down, and every later
 * request answered 502 at once without trying it: outlier ejection, as
 * meshes do, without the timer that lets the origin back in. The origin
 * restarts, and the sidecar goes on failing until it is restarted too.
 */
#include "../proxy/common.h"

static int origin_down; /* set once, never cleared */

static int connect_or_remember(struct px_backend *b, int ms)
{
	if (__atomic_load_n(&origin_down, __ATOMIC_RELAXED))
		return -ECONNREFUSED; /* BUG: the origin is never tried again */
	int fd = px_connect(b, ms);
	if (fd == -ECONNREFUSED)
		__atomic_store_n(&origin_down, 1, __ATOMIC_RELAXED);
	return fd;
}

int main(int argc, char **argv)
{
	px.connect = connect_or_remember;
	return px_main(argc, argv, PX_SIDECAR);
}
