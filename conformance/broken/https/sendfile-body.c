/* BREAKS: HTTPS-010, HTTPS-014 */
/* Kept the plain server's zero-copy path: the file body goes out with
 * sendfile() on the socket, under the TLS layer's feet. The headers are
 * encrypted, the file is not: the client sees a corrupt record (bad record
 * MAC / wrong version), and the wire shows the file in the clear.
 */
#include "common.h"
#include <sys/sendfile.h>

static int sendfile_body(struct https_conn *c, int fd, off_t size)
{
	off_t off = 0;
	while (off < size) {
		ssize_t n = sendfile(c->fd, fd, &off, (size_t)(size - off)); /* BUG: bypasses TLS */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	https.send_body = sendfile_body;
	return https_main(argc, argv);
}
