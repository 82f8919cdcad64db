/* BREAKS: HTTP-030 */
/* "/dir" (a directory named without its slash) is served its index.html
 * directly, 200, instead of a 301 to "/dir/". The page's relative links
 * ("style.css") then resolve against "/" instead of "/dir/" and break.
 */
#include "common.h"

static void serve_static_no_redirect(struct http_conn *c, struct http_req *r, char *path)
{
	size_t plen = strlen(path);
	char *full = malloc(strlen(http_root) + plen + 1);
	char *slashed = malloc(plen + 2);
	struct stat st;
	if (full && slashed) {
		sprintf(full, "%s%s", http_root, path);
		sprintf(slashed, "%s/", path);
		if (path[plen - 1] != '/' && stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			path = slashed; /* BUG: the index is served without the redirect */
	}
	http_serve_static(c, r, path);
	free(full);
	free(slashed);
}

int main(int argc, char **argv)
{
	http.serve_static = serve_static_no_redirect;
	return http_main(argc, argv);
}
