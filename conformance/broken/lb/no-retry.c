/* BREAKS: LB-012 */
/* A refused connection ejects the backend, but the request that found it
 * refused is not tried on another one: that client gets an error although
 * other backends are up and nothing of its request was sent.
 */
#include "../proxy/common.h"

static int choose_once(struct px_ex *ex, uint64_t tried)
{
	if (tried)
		return -1; /* BUG: no second attempt */
	return px_choose(ex, tried);
}

int main(int argc, char **argv)
{
	px.choose = choose_once;
	return px_main(argc, argv, PX_LB);
}
