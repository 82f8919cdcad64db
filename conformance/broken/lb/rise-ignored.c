/* BREAKS: LB-010 */
/* --rise is parsed and not applied: one passed check puts a down backend
 * back. A backend that answers one probe in two flaps in and out of
 * rotation, and the requests it gets in between fail.
 */
#include "../proxy/common.h"

static void check_result_first_pass(struct px_backend *b, int pass)
{
	if (pass && !b->up) {
		b->up = 1; /* BUG: back at once, not after --rise passes in a row */
		b->fails = 0;
		return;
	}
	px_check_result(b, pass);
}

int main(int argc, char **argv)
{
	px.check_result = check_result_first_pass;
	return px_main(argc, argv, PX_LB);
}
