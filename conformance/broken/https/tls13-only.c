/* BREAKS: HTTPS-002 */
/* Accepts TLS 1.3 only: a client that offers TLS 1.2 at most (still most of
 * the web's long tail) never completes a handshake.
 */
#include "common.h"

static void tls13_only(SSL_CTX *ctx)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION); /* BUG: no TLS 1.2 */
}

int main(int argc, char **argv)
{
	https.configure = tls13_only;
	return https_main(argc, argv);
}
