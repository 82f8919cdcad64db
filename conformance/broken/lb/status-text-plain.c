/* BREAKS: LB-016 */
/* /lb/status sends its JSON as text/plain: tools that check the media
 * type before parsing (curl --json, monitoring agents) refuse it.
 */
#include "../proxy/common.h"

int main(int argc, char **argv)
{
	px.status_type = "text/plain"; /* BUG: should be application/json */
	return px_main(argc, argv, PX_LB);
}
