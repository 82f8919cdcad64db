/* BREAKS: HTTPS-005 */
/* Trusts SSL_select_next_proto blindly: when the client's list and ours
 * have nothing in common it returns OPENSSL_NPN_NO_OVERLAP and still points
 * at the client's first protocol, and this callback accepts that. A client
 * offering only "h2" gets h2, which the server does not speak.
 */
#include "common.h"

static int alpn_first_of_client(SSL *ssl, const unsigned char **out, unsigned char *outlen,
				const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x08http/1.1";
	unsigned char *sel;
	(void)ssl;
	(void)arg;
	SSL_select_next_proto(&sel, outlen, ours, sizeof ours - 1, in, inlen); /* BUG: result unchecked */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

int main(int argc, char **argv)
{
	https.alpn_select = alpn_first_of_client;
	return https_main(argc, argv);
}
