/* BREAKS: HTTP-027 */
/* A file is sent from one read() into a 1 MiB buffer: anything after the
 * first MiB is cut off (Content-Length says what was read, so the response
 * is well-formed, and wrong). A loop, or sendfile, gets all of it.
 */
#include "common.h"

#define FILE_BUF (1024 * 1024)

static int respond_one_read(struct http_conn *c, struct http_req *r, struct http_res *res)
{
	if (res->fd < 0 || res->no_body)
		return http_respond(c, r, res);
	char *buf = malloc(FILE_BUF);
	if (buf == NULL)
		return -1;
	/* BUG: one read, at most 1 MiB, taken for the whole file */
	ssize_t n = pread(res->fd, buf, res->len < FILE_BUF ? res->len : FILE_BUF, res->off);
	struct http_res copy = *res;
	copy.fd = -1;
	copy.body = buf;
	copy.len = n > 0 ? (size_t)n : 0;
	int rc = http_respond(c, r, &copy);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	http.respond = respond_one_read;
	return http_main(argc, argv);
}
