/* BREAKS: HTTPS-006 */
/* Loads --cert with SSL_CTX_use_certificate_file, which takes the first
 * certificate of the file only: the intermediate is never sent, and a
 * client that trusts only the root CA cannot build the chain ("unable to
 * get local issuer certificate"). Browsers that cache intermediates hide
 * this bug; curl and every fresh client see it.
 */
#include "common.h"

static int load_leaf_only(SSL_CTX *ctx, const char *cert, const char *key)
{
	if (SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 || /* BUG: not _chain_ */
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	https.load_cert = load_leaf_only;
	return https_main(argc, argv);
}
