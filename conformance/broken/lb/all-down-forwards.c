/* BREAKS: LB-011 */
/* When every backend is down by its checks the lb forwards to one of them
 * anyway, "better than nothing": requests reach a backend that its own
 * health endpoint says cannot serve, instead of a quick 503.
 */
#include "../proxy/common.h"

static int choose_even_when_down(struct px_ex *ex, uint64_t tried)
{
	int k = px_choose(ex, tried);
	if (k < 0 && tried == 0) {
		k = px_rr; /* BUG: nobody is up: take the next one regardless */
		px_rr = (px_rr + 1) % px_nbackends;
		px_backends[k].active++;
	}
	return k;
}

int main(int argc, char **argv)
{
	px.choose = choose_even_when_down;
	return px_main(argc, argv, PX_LB);
}
