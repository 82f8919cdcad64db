/* BREAKS: PROXY-026 */
/* The keep-alive pool is written as if an origin never closed an idle
 * connection: a pooled socket counts as alive until poll() reports a
 * hang-up (POLLHUP), which a FIN alone never sets, and so a request that
 * meets such a connection is not sent again on a new one either: the
 * client gets a 502. Origins close idle connections all the time (their
 * own keep-alive timeout, RFC 9112 §9.3.1); the proxy must notice it
 * before use or retry after.
 *   One mistake in two places: the check before reuse and the retry after
 * a failed reuse are the two guards a pool has, and this program has the
 * belief that neither is needed.
 */
#include "common.h"

static int idle_dead_on_hangup(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0}; /* BUG: POLLHUP only: a FIN goes unseen */
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static int may_retry_never(const struct px_ex *ex)
{
	(void)ex;
	return 0; /* BUG: the connection was checked, so it cannot have been stale */
}

int main(int argc, char **argv)
{
	px.idle_dead = idle_dead_on_hangup;
	px.may_retry = may_retry_never;
	return px_main(argc, argv, PX_PROXY);
}
