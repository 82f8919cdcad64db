/* BREAKS: HTTP-029 */
/* ".." segments are refused, but the check runs on the path as it came,
 * before percent-decoding: "/%2e%2e/secret" passes the check and then
 * decodes to "/../secret". Security checks belong on the decoded path.
 */
#include "common.h"

static int decode_path_later(char *s)
{
	(void)s; /* decoded by normalize_then_decode, below */
	return 0;
}

static int normalize_then_decode(char *path)
{
	for (char *p = strstr(path, ".."); p; p = strstr(p + 1, ".."))
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return -1;
	return http.decode(path, 0, 0) < 0 ? -1 : 0; /* BUG: decoded after the check */
}

int main(int argc, char **argv)
{
	http.decode_path = decode_path_later;
	http.normalize = normalize_then_decode;
	return http_main(argc, argv);
}
