/* BREAKS: LB-013 */
/* A refused connection is retried on the next backend, but the backend
 * that refused is not ejected: every round of the cycle tries it again
 * (one refused connection each time), and as soon as it accepts
 * connections again (half started, still warming up) it gets its share at
 * once instead of after --eject-time.
 */
#include "../proxy/common.h"

static void connect_failed_count_only(struct px_backend *b, int err)
{
	(void)err;
	b->failures++; /* BUG: neither ejected nor marked down */
}

int main(int argc, char **argv)
{
	px.connect_failed = connect_failed_count_only;
	return px_main(argc, argv, PX_LB);
}
