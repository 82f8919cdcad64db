/* BREAKS: ITEMS-020 */
/* The Content-Type is never looked at: whatever the client says it sends,
 * the body is parsed as JSON. RFC 9110 §15.5.16 wants 415 for a media type
 * the resource does not take.
 */
#include "common.h"

static int any_media_type(const char *ctype, int patch)
{
	(void)ctype;
	(void)patch;
	return 1; /* BUG: text/plain, none, anything */
}

int main(int argc, char **argv)
{
	items.media_ok = any_media_type;
	return items_main(argc, argv);
}
