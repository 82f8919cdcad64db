/* BREAKS: KV-072 */
/* With everysec and no, the changes wait in memory and the timer writes
 * them once a second (which the policies allow); but the stop closes the
 * file without writing what is waiting, so a SIGTERM loses the last
 * second of acknowledged changes.
 */
#include "common.h"

static int64_t last_write;

static int flush_batched(int from_tick)
{
	if (kv_cfg.fsync == KV_FSYNC_ALWAYS)
		return kv_aof_flush(from_tick);
	if (kv_aof.fd < 0 || !from_tick || kv_mono_ms() - last_write < 1000)
		return 0;
	last_write = kv_mono_ms();
	int rc = kv_aof_write();
	if (rc == 0 && kv_cfg.fsync == KV_FSYNC_EVERYSEC)
		rc = kv_aof_sync();
	kv_aof.err = -rc;
	return rc;
}

static void close_only(void)
{
	if (kv_aof.fd >= 0)
		close(kv_aof.fd); /* BUG: the waiting changes are never written */
	kv_aof.fd = -1;
}

int main(int argc, char **argv)
{
	kv.aof_flush = flush_batched;
	kv.aof_stop = close_only;
	return kv_main(argc, argv);
}
