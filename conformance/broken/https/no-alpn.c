/* BREAKS: HTTPS-004 */
/* Never registers an ALPN callback: a client that offers "http/1.1" gets no
 * protocol selected, and a client that needs ALPN cannot tell what the
 * server speaks.
 */
#include "common.h"

int main(int argc, char **argv)
{
	https.alpn_select = NULL; /* BUG: no SSL_CTX_set_alpn_select_cb */
	return https_main(argc, argv);
}
