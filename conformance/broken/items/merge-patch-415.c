/* BREAKS: ITEMS-042 */
/* PATCH takes the same media type as POST and PUT only: a client that
 * says what it sends, application/merge-patch+json (RFC 7396 §4), gets 415.
 */
#include "common.h"

static int json_only(const char *ctype, int patch)
{
	(void)patch;
	return it_media_ok(ctype, 0); /* BUG: merge-patch+json refused */
}

int main(int argc, char **argv)
{
	items.media_ok = json_only;
	return items_main(argc, argv);
}
