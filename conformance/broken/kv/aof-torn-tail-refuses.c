/* BREAKS: KV-075 */
/* A last record cut short (the server died while writing it) is taken for
 * a corrupt file: the server refuses to start.
 */
#include "common.h"

static int refuse(off_t good, off_t size)
{
	kv_log("appendonly.aof: truncated record at offset %lld (file size %lld): refusing to start",
	       (long long)good, (long long)size);
	return -1; /* BUG: a torn tail is normal after a crash */
}

int main(int argc, char **argv)
{
	kv.aof_torn = refuse;
	return kv_main(argc, argv);
}
