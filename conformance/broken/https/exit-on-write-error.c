/* BREAKS: HTTPS-012 */
/* Treats a failed SSL_write as the end of the world, as the shortest
 * OpenSSL examples do (`ERR_print_errors_fp(stderr); exit(1);`): the first
 * client that resets while its file is being sent stops the server for
 * everyone.
 */
#include "common.h"

static void die(struct https_conn *c)
{
	(void)c;
	fprintf(stderr, "https: SSL_write failed\n");
	ERR_print_errors_fp(stderr);
	exit(1); /* BUG: one client's reset ends the server */
}

int main(int argc, char **argv)
{
	https.write_failed = die;
	return https_main(argc, argv);
}
