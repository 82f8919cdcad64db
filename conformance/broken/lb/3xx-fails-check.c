/* BREAKS: LB-008 */
/* Only a 2xx passes a health check. A backend whose health path answers
 * with a redirect (302 to a login page, 301 to add a slash) is declared
 * down although it is alive and serving.
 */
#include "../proxy/common.h"

static int check_passes_2xx(int status)
{
	return status >= 200 && status < 300; /* BUG: 3xx is a pass too */
}

int main(int argc, char **argv)
{
	px.check_passes = check_passes_2xx;
	return px_main(argc, argv, PX_LB);
}
