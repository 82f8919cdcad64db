/* BREAKS: PROXY-027 */
/* --max-idle is never applied: an idle pooled connection stays open until
 * the origin closes it. Origins with long keep-alive timeouts then see
 * idle connections from the proxy pile up.
 */
#include "common.h"

static int never_expired(int64_t idle_ms)
{
	(void)idle_ms;
	return 0; /* BUG: the origin is trusted to close idle connections */
}

int main(int argc, char **argv)
{
	px.pool_expired = never_expired;
	return px_main(argc, argv, PX_PROXY);
}
