/* BREAKS: KV-052 */
/* The client limit is checked with `>`: with --maxclients N, N + 1
 * clients are served and the one after that is refused.
 */
#include "common.h"

static int too_many_late(int nclients)
{
	return nclients > kv_cfg.maxclients; /* BUG: should be >= */
}

int main(int argc, char **argv)
{
	kv.too_many = too_many_late;
	return kv_main(argc, argv);
}
