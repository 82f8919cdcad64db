/* BREAKS: HTTP-028, HTTP-038 */
/* A '%' not followed by two hex digits is kept as it is ("/100%" names
 * "100%"), instead of refusing the request. A malformed escape means the
 * client and the server disagree about the URL; RFC 3986 §2.1 has no such
 * thing as a lone '%'.
 */
#include "common.h"

static int decode_lenient(char *s, int plus_is_space, int allow_nul)
{
	char *out = s;
	for (char *p = s; *p; p++) {
		int hi = *p == '%' ? http_hexval((unsigned char)p[1]) : -1;
		int lo = hi < 0 ? -1 : http_hexval((unsigned char)p[2]);
		if (lo >= 0) {
			if (!allow_nul && hi == 0 && lo == 0)
				return -1;
			*out++ = (char)(hi * 16 + lo);
			p += 2;
		} else if (*p == '+' && plus_is_space) {
			*out++ = ' ';
		} else {
			*out++ = *p; /* BUG: a malformed escape passes through */
		}
	}
	*out = '\0';
	return (int)(out - s);
}

int main(int argc, char **argv)
{
	http.decode = decode_lenient;
	return http_main(argc, argv);
}
