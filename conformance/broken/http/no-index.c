/* BREAKS: HTTP-030 */
/* A path ending in '/' is looked up as a file: a directory is not one, so
 * "/" and "/dir/" get 404 instead of their index.html.
 */
#include "common.h"

static void serve_static_no_index(struct http_conn *c, struct http_req *r, char *path)
{
	if (path[strlen(path) - 1] == '/') {
		http_error(c, r, 404); /* BUG: no index.html lookup */
		return;
	}
	http_serve_static(c, r, path);
}

int main(int argc, char **argv)
{
	http.serve_static = serve_static_no_index;
	return http_main(argc, argv);
}
