/* BREAKS: PROXY-035 */
/* When the client goes away, the proxy goes on reading the origin's
 * response "so that the connection can go back to the pool": the origin
 * keeps working for nobody (a held or endless response keeps its
 * connection forever), and the exchange only ends when writing to the
 * vanished client finally fails.
 */
#include "common.h"

static int client_gone_ignored(struct px_ex *ex)
{
	(void)ex;
	return 0; /* BUG: the exchange goes on; the client is no longer watched */
}

int main(int argc, char **argv)
{
	px.client_gone = client_gone_ignored;
	return px_main(argc, argv, PX_PROXY);
}
