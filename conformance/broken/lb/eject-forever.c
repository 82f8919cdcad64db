/* BREAKS: LB-013 */
/* A backend whose connection failed is ejected for good (without active
 * checks nothing would ever bring it back): after an origin restart the
 * lb runs on the backends that happened not to be restarted.
 */
#include "../proxy/common.h"

static void connect_failed_forever(struct px_backend *b, int err)
{
	px_connect_failed(b, err);
	if (!px_cfg.health_path)
		b->ejected_until = INT64_MAX; /* BUG: --eject-time never ends */
}

int main(int argc, char **argv)
{
	px.connect_failed = connect_failed_forever;
	return px_main(argc, argv, PX_LB);
}
