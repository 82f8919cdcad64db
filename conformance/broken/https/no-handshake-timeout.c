/* BREAKS: HTTPS-007 */
/* Waits for the handshake as long as the client likes: a client that
 * connects and sends nothing, or half a ClientHello, holds a thread and a
 * descriptor forever (the TLS flavour of slowloris).
 */
#include "common.h"

int main(int argc, char **argv)
{
	https.handshake_deadline = 0; /* BUG: --handshake-timeout ignored */
	return https_main(argc, argv);
}
