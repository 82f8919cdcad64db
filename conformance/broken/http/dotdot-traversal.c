/* BREAKS: HTTP-029 */
/* The decoded path is appended to the root as it is: "/../secret" becomes
 * "ROOT/../secret", which the kernel resolves outside the root. Any file
 * the server can read is one request away.
 */
#include "common.h"

static int normalize_none(char *path)
{
	(void)path;
	return 0; /* BUG: ".." segments are left to the kernel */
}

int main(int argc, char **argv)
{
	http.normalize = normalize_none;
	return http_main(argc, argv);
}
