/* BREAKS: PROXY-003 */
/* The request-target is "normalised" before it goes up: the hex digits of
 * every percent escape in upper case (%7e becomes %7E), as RFC 3986 §6.2.2.1
 * recommends for comparing URIs. But a proxy does not compare URIs, it
 * forwards them: the origin may tell the two spellings apart (a signed URL,
 * a cache key, a case-sensitive router), so the target must go byte for
 * byte.
 */
#include "common.h"

static void request_line_normalised(struct px_sb *h, const struct px_msg *r)
{
	px_sb_add(h, "%s ", r->method);
	for (const char *t = r->target; *t; t++) {
		char ch = *t;
		if ((t > r->target && t[-1] == '%') || (t > r->target + 1 && t[-2] == '%'))
			ch = (char)toupper((unsigned char)ch); /* BUG: the escape is rewritten */
		px_sb_mem(h, &ch, 1);
	}
	px_sb_add(h, " HTTP/1.1\r\n");
}

int main(int argc, char **argv)
{
	px.request_line = request_line_normalised;
	return px_main(argc, argv, PX_PROXY);
}
