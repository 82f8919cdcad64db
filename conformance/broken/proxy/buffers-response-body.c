/* BREAKS: PROXY-021 */
/* Collects the whole response before passing it on: the client sees
 * nothing of a slow or long response until the origin has finished, and
 * the proxy holds all of it in memory meanwhile.
 */
#include "common.h"

int main(int argc, char **argv)
{
	px.res_flush_at = SIZE_MAX; /* BUG: nothing goes down before the end of the body */
	return px_main(argc, argv, PX_PROXY);
}
