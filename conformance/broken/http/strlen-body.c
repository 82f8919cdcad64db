/* BREAKS: HTTP-027 */
/* A file is read into a string and sent with strlen(): the body stops at
 * the first NUL byte, while Content-Length announced the whole file. The
 * client waits for bytes that never come. Files are bytes, not C strings.
 */
#include "common.h"

static int respond_as_string(struct http_conn *c, struct http_req *r, struct http_res *res)
{
	if (res->fd < 0 || r->is_head || res->no_body)
		return http_respond(c, r, res);
	r->status = res->status;
	char *text = malloc(res->len + 1);
	if (text == NULL)
		return -1;
	ssize_t n = pread(res->fd, text, res->len, res->off);
	text[n > 0 ? n : 0] = '\0';
	int rc = http_send_head(c, r, res);
	size_t len = strlen(text); /* BUG: the file is binary; a NUL ends it here */
	if (rc == 0)
		rc = http_send_all(c->fd, text, len);
	r->sent = (long long)len;
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	http.respond = respond_as_string;
	return http_main(argc, argv);
}
