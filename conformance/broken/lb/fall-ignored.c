/* BREAKS: LB-009 */
/* One failed check takes a backend out, whatever --fall says: a single
 * lost probe (a busy moment, a dropped packet) removes a healthy backend
 * from rotation, and the others take its load.
 */
#include "../proxy/common.h"

static void check_result_first_failure(struct px_backend *b, int pass)
{
	if (!pass && b->up) {
		b->failures++;
		b->up = 0; /* BUG: out at the first failure, not after --fall in a row */
		b->passes = 0;
		return;
	}
	px_check_result(b, pass);
}

int main(int argc, char **argv)
{
	px.check_result = check_result_first_failure;
	return px_main(argc, argv, PX_LB);
}
