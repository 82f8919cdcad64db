/* BREAKS: HTTPS-003 */
/* "Maximum compatibility": the minimum version lowered to TLS 1.0 and the
 * security level to 0 so that old clients still connect. TLS 1.0 and 1.1
 * get negotiated, which RFC 8996 forbids.
 */
#include "common.h"

static void allow_old_versions(SSL_CTX *ctx)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION); /* BUG */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
}

int main(int argc, char **argv)
{
	https.configure = allow_old_versions;
	return https_main(argc, argv);
}
