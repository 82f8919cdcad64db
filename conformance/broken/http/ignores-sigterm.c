/* BREAKS: HTTP-037 */
/* SIGTERM is ignored ("so the server does not die by accident"): the only
 * way to stop it is SIGKILL, and every supervisor's stop becomes a timeout.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.on_sigterm = SIG_IGN; /* BUG: the polite way to stop us is gone */
	return http_main(argc, argv);
}
