/* BREAKS: HTTP-028 */
/* The path is used as it came: "/a%20b.txt" looks for a file literally
 * named "a%20b.txt". Clients must escape spaces and many other bytes in a
 * URL (RFC 3986 §2.1), so such files are unreachable.
 */
#include "common.h"

static int decode_path_none(char *s)
{
	return (int)strlen(s); /* BUG: no percent-decoding */
}

int main(int argc, char **argv)
{
	http.decode_path = decode_path_none;
	return http_main(argc, argv);
}
