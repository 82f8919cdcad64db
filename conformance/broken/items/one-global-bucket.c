/* BREAKS: ITEMS-072 */
/* One bucket for the whole service ("a global rate limit is simpler"):
 * one busy client empties it and every other client gets 429 too.
 */
#include "common.h"

static const char *bucket_for_all(const char *peer)
{
	(void)peer;
	return "everyone"; /* BUG: not keyed by the client's address */
}

int main(int argc, char **argv)
{
	items.bucket_key = bucket_for_all;
	return items_main(argc, argv);
}
