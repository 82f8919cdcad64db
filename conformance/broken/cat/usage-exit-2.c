/* BREAKS: CAT-002 */
/* An unknown option exits with status 2, the usual usage status of many
 * tools (grep's among them), where GNU cat exits 1.
 */
#include "common.h"

int main(int argc, char **argv)
{
	cat.usage_status = 2; /* BUG: 1 */
	return cat_main(argc, argv);
}
