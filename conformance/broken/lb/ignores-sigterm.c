/* BREAKS: LB-019 */
/* SIGTERM is ignored: the lb only goes away with SIGKILL, after its
 * supervisor has waited the whole stop timeout.
 */
#include "../proxy/common.h"

int main(int argc, char **argv)
{
	px.on_sigterm = SIG_IGN; /* BUG */
	return px_main(argc, argv, PX_LB);
}
