/* BREAKS: LB-011, LB-015 */
/* With every backend down the client gets 502 Bad Gateway, as from a proxy
 * with one upstream that failed. 503 Service Unavailable is the answer
 * when there is nobody to ask (RFC 9110 §15.6.4): it tells clients and
 * monitors that the service as a whole is out, and may carry Retry-After.
 */
#include "../proxy/common.h"

int main(int argc, char **argv)
{
	px.all_down_status = 502; /* BUG */
	return px_main(argc, argv, PX_LB);
}
