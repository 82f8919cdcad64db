/* BREAKS: SIDECAR-050 */
/* SIGTERM is ignored: the sidecar only goes away with SIGKILL, after its
 * supervisor has waited the whole stop timeout, and the pod's shutdown
 * waits with it.
 */
#include "../proxy/common.h"

int main(int argc, char **argv)
{
	px.on_sigterm = SIG_IGN; /* BUG */
	return px_main(argc, argv, PX_SIDECAR);
}
