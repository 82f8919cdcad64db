/* BREAKS: GREP-002 */
/* A bad command line exits with status 1, which for grep means "no line
 * selected": a script cannot tell a typo from a search that found nothing.
 */
#include "common.h"

int main(int argc, char **argv)
{
	grep.usage_status = 1; /* BUG: 2 */
	return grep_main(argc, argv);
}
