/* BREAKS: HTTPS-008 */
/* Treats a failed handshake as fatal, as the shortest OpenSSL examples do
 * (`ERR_print_errors_fp(stderr); exit(EXIT_FAILURE);`): the first client
 * that speaks plain HTTP, resets, or rejects the certificate stops the
 * server for everyone.
 */
#include "common.h"

static void die_on_failure(struct https_conn *c, const char *why)
{
	(void)c;
	fprintf(stderr, "https: handshake failed: %s\n", why);
	ERR_print_errors_fp(stderr);
	exit(EXIT_FAILURE); /* BUG */
}

int main(int argc, char **argv)
{
	https.handshake_failed = die_on_failure;
	return https_main(argc, argv);
}
