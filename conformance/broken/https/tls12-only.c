/* BREAKS: HTTPS-001 */
/* Caps the protocol at TLS 1.2 (`SSL_CTX_set_max_proto_version(ctx,
 * TLS1_2_VERSION)`, copied from an old guide): a client that offers TLS 1.3
 * only never completes a handshake.
 */
#include "common.h"

static void cap_at_tls12(SSL_CTX *ctx)
{
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); /* BUG: no TLS 1.3 */
}

int main(int argc, char **argv)
{
	https.configure = cap_at_tls12;
	return https_main(argc, argv);
}
