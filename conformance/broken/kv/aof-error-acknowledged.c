/* BREAKS: KV-073 */
/* A failed write to the append-only file is logged and otherwise ignored,
 * with every policy: the change is acknowledged, the records are dropped,
 * and nothing is refused.
 */
#include "common.h"

static int flush_ignoring_errors(int from_tick)
{
	if (kv_aof.fd < 0 || from_tick)
		return 0;
	int rc = kv_aof_write();
	if (rc == 0 && kv_cfg.fsync == KV_FSYNC_ALWAYS)
		rc = kv_aof_sync();
	if (rc < 0) {
		kv_log("appendonly.aof: %s (ignored)", strerror(-rc));
		kv_aof.buf.off = kv_aof.buf.len = 0; /* BUG: acknowledged, then dropped */
	}
	return 0;
}

int main(int argc, char **argv)
{
	kv.aof_flush = flush_ignoring_errors;
	return kv_main(argc, argv);
}
