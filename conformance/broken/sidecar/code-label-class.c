/* BREAKS: SIDECAR-042 */
/* Requests are counted by status class, under the code of the class's
 * first status: a 404 is counted as code="400", a 201 as code="200". The
 * code label then says something that never happened.
 */
#include "../proxy/common.h"

static void count_by_class(const struct px_ex *ex)
{
	struct px_ex copy = *ex;
	copy.status = ex->status / 100 * 100; /* BUG: the class, not the code */
	px_count(&copy);
}

int main(int argc, char **argv)
{
	px.count = count_by_class;
	return px_main(argc, argv, PX_SIDECAR);
}
