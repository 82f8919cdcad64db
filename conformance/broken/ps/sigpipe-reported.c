/* BREAKS: PS-018 */
/* SIGPIPE ignored "to handle write errors myself": when the reader of the
 * pipe goes away (`mps | head -1`), the program complains `write error:
 * Broken pipe` instead of ending quietly.
 */
#include <signal.h>

#include "common.h"

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* BUG: EPIPE then reported as an error */
	return ps_main(argc, argv);
}
