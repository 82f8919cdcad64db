/* BREAKS: KV-016 */
/* The bulk length check is `len >= 512 MiB`: a bulk of exactly 512 MiB,
 * which redis allows, is refused as an invalid bulk length.
 */
#include "common.h"

int main(int argc, char **argv)
{
	kv.max_bulk = 512LL * 1024 * 1024 - 1; /* BUG: the limit itself is refused */
	return kv_main(argc, argv);
}
