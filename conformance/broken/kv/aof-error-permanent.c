/* BREAKS: KV-074 */
/* After a failed write to the append-only file (everysec, no), writes are
 * refused with MISCONF for good: the waiting records are never tried again,
 * so freeing the disk does not bring writes back.
 */
#include "common.h"

static int flush_no_retry(int from_tick)
{
	if (from_tick && kv_aof.err != 0)
		return -kv_aof.err; /* BUG: no retry */
	return kv_aof_flush(from_tick);
}

int main(int argc, char **argv)
{
	kv.aof_flush = flush_no_retry;
	return kv_main(argc, argv);
}
