/* BREAKS: HTTPS-010 */
/* Turns on SSL_MODE_ENABLE_PARTIAL_WRITE (copied from a non-blocking
 * example) but writes the body as if SSL_write always took the whole
 * buffer: with partial writes on, it returns after one 16 KiB record, and
 * the rest of each 64 KiB chunk is lost. Small files come through; large
 * ones arrive short.
 */
#include "common.h"

static void partial_writes(SSL_CTX *ctx)
{
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
}

static int send_body_once_per_chunk(struct https_conn *c, int fd, off_t size)
{
	static __thread char buf[65536];
	while (size > 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return -1;
		if (SSL_write(c->ssl, buf, (int)n) <= 0) { /* BUG: a short write is ignored */
			c->failed = 1;
			return -1;
		}
		size -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	https.configure = partial_writes;
	https.send_body = send_body_once_per_chunk;
	return https_main(argc, argv);
}
