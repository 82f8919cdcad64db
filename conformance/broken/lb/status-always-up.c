/* BREAKS: LB-018 */
/* /lb/status shows the configured backends as "up" whatever the lb
 * thinks of them (the state comes from the backend list, not from
 * rotation): an operator looking at it cannot see the ejected one.
 */
#include "../proxy/common.h"

static const char *state_always_up(const struct px_backend *b, int64_t now)
{
	(void)b;
	(void)now;
	return "up"; /* BUG */
}

int main(int argc, char **argv)
{
	px.state = state_always_up;
	return px_main(argc, argv, PX_LB);
}
