/* BREAKS: KV-070 */
/* With --appendfsync always the changes are acknowledged first and written
 * (and fdatasync'd) with the others once a second, by the timer: a kill -9
 * loses every change acknowledged since the last second.
 */
#include "common.h"

static int64_t last_write;

static int flush_later(int from_tick)
{
	if (kv_aof.fd < 0)
		return 0;
	if (!from_tick || kv_mono_ms() - last_write < 1000)
		return 0; /* BUG: the replies go out before the changes are in the file */
	last_write = kv_mono_ms();
	int rc = kv_aof_write();
	if (rc == 0)
		rc = kv_aof_sync();
	if (rc < 0)
		kv_log("appendonly.aof: %s", strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	kv.aof_flush = flush_later;
	return kv_main(argc, argv);
}
