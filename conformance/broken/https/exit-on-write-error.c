/* BREAKS: HTTPS-012 */
/* Treats a failed SSL_write as the end of the world, as the shortest
 * OpenSSL examples do (`ERR_print_errors_fp(stderr); exit(1);`): the first
 * client that resets while its file is being sent stops the server for
 * everyone.
 */
#include "common.h"

static int send_body_or_die(struct https_conn *c, int fd, off_t size)
{
	static __thread char buf[65536];
	while (size > 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (SSL_write(c->ssl, buf, (int)n) <= 0) {
			fprintf(stderr, "https: SSL_write failed\n");
			ERR_print_errors_fp(stderr);
			exit(1); /* BUG: one client's reset ends the server */
		}
		size -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	https.send_body = send_body_or_die;
	return https_main(argc, argv);
}
