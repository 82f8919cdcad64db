/* BREAKS: LB-009, LB-011 */
/* Health checks are sent and their failures counted (they show on
 * /lb/status), but a failing backend is never taken out: requests keep
 * going to a backend that answers its checks with 503.
 */
#include "../proxy/common.h"

static void check_result_count_only(struct px_backend *b, int pass)
{
	if (!pass) {
		b->failures++; /* BUG: counted, never acted on */
		return;
	}
	px_check_result(b, pass);
}

int main(int argc, char **argv)
{
	px.check_result = check_result_count_only;
	return px_main(argc, argv, PX_LB);
}
