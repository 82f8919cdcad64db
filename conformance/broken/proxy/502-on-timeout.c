/* BREAKS: PROXY-031, PROXY-032 */
/* Every upstream failure is a 502, timeouts included. RFC 9110 §15.6.5
 * keeps 504 (Gateway Timeout) for an upstream that did not answer in time,
 * which tells the client (and whoever reads the logs) that waiting or
 * retrying later may help, where a 502 says the answer was broken.
 */
#include "common.h"

static int timeout_is_502(void)
{
	return 502; /* BUG: should be 504 */
}

int main(int argc, char **argv)
{
	px.timeout_status = timeout_is_502;
	return px_main(argc, argv, PX_PROXY);
}
