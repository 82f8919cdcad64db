/* BREAKS: CAT-023 */
/* SIGPIPE is ignored "so that a closed pipe is an ordinary write error":
 * when the reader goes away (`mcat big | head -1`) the program says
 * "write error: Broken pipe", which a pipeline must never show.
 */
#include "common.h"

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* BUG: EPIPE must end the program quietly */
	return cat_main(argc, argv);
}
