/* BREAKS: HTTPS-006 */
/* Serves a certificate of its own instead of --cert: other.pem from the
 * same directory (tools/make-certs makes it), valid and signed by the same
 * CA but for the name other.invalid (think: a default certificate left in
 * the config, or the wrong virtual host's).
 */
#include "common.h"

static int load_other(SSL_CTX *ctx, const char *cert, const char *key)
{
	char dir[PATH_MAX], other[PATH_MAX + 16], other_key[PATH_MAX + 16];
	(void)key;
	snprintf(dir, sizeof dir, "%s", cert);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	snprintf(other, sizeof other, "%s/other.pem", dir); /* BUG: not --cert */
	snprintf(other_key, sizeof other_key, "%s/other.key", dir);
	return https_load_cert(ctx, other, other_key);
}

int main(int argc, char **argv)
{
	https.load_cert = load_other;
	return https_main(argc, argv);
}
