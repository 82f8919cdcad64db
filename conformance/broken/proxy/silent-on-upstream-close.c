/* BREAKS: PROXY-030 */
/* An upstream connection that ends (FIN or RST) before any response head
 * is mirrored to the client: its connection is closed too, without a word,
 * as a TCP relay would. An HTTP client then cannot tell a proxy that failed
 * from a network that did, and may resend a request that was not
 * idempotent; the gateway's answer is a 502 (RFC 9110 §15.6.3).
 */
#include "common.h"

static int no_head_close(struct px_ex *ex, int why)
{
	if (why == PX_E_EOF || why == PX_E_ERROR) {
		ex->close = 1;
		return PX_CLOSE; /* BUG: no 502 */
	}
	return px_no_head(ex, why);
}

int main(int argc, char **argv)
{
	px.no_head = no_head_close;
	return px_main(argc, argv, PX_PROXY);
}
