/* BREAKS: HTTP-030 */
/* A directory without index.html is answered with a list of its files
 * (opendir/readdir): every file name under the root is disclosed, backup
 * copies and private files included. The spec wants 403 or 404.
 */
#include "common.h"
#include <dirent.h>

static void serve_static_listing(struct http_conn *c, struct http_req *r, char *path)
{
	size_t plen = strlen(path);
	char *dir = malloc(strlen(http_root) + plen + sizeof "index.html");
	if (dir == NULL || path[plen - 1] != '/') {
		free(dir);
		http_serve_static(c, r, path);
		return;
	}
	sprintf(dir, "%s%sindex.html", http_root, path);
	DIR *d = NULL;
	if (access(dir, F_OK) != 0) {
		dir[strlen(dir) - strlen("index.html")] = '\0';
		d = opendir(dir); /* BUG: no index: list the directory instead */
	}
	free(dir);
	if (d == NULL) {
		http_serve_static(c, r, path);
		return;
	}
	size_t len = 0, cap = 256;
	char *out = malloc(cap);
	struct dirent *e;
	while (out && (e = readdir(d)) != NULL)
		if (http_append(&out, &len, &cap, "%s\n", e->d_name) < 0)
			break;
	closedir(d);
	struct http_res res;
	http_res_init(&res, 200);
	res.type = "text/plain";
	res.body = out ? out : "";
	res.len = out ? len : 0;
	http.respond(c, r, &res);
	free(out);
}

int main(int argc, char **argv)
{
	http.serve_static = serve_static_listing;
	return http_main(argc, argv);
}
