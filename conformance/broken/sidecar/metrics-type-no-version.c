/* BREAKS: SIDECAR-040 */
/* /metrics is served as plain "text/plain", without the version=0.0.4
 * parameter that tells a scraper which exposition format the body is in.
 */
#include "../proxy/common.h"

int main(int argc, char **argv)
{
	px.metrics_type = "text/plain"; /* BUG */
	return px_main(argc, argv, PX_SIDECAR);
}
