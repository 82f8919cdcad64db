/* BREAKS: KV-076 */
/* The append-only file is always opened and written; --appendonly only
 * decides whether it is replayed at start. Without it, the server still
 * writes DIR/appendonly.aof.
 */
#include "common.h"

static int start_always(void)
{
	if (!kv_cfg.appendonly)
		return kv_aof_open(); /* BUG: written even without --appendonly yes */
	return kv_aof_start();
}

int main(int argc, char **argv)
{
	kv.aof_start = start_always;
	return kv_main(argc, argv);
}
