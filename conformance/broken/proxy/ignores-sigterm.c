/* BREAKS: PROXY-041 */
/* SIGTERM is ignored (someone copied a daemon's "ignore the terminal's
 * signals" setup): the proxy only goes away with SIGKILL, after every
 * supervisor has waited its stop timeout out.
 */
#include "common.h"

int main(int argc, char **argv)
{
	px.on_sigterm = SIG_IGN; /* BUG */
	return px_main(argc, argv, PX_PROXY);
}
