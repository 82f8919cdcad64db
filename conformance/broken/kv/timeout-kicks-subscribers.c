/* BREAKS: KV-053 */
/* --timeout closes every client idle that long, subscribers included,
 * although a subscriber waiting for messages is not idle in redis's sense.
 */
#include "common.h"

static int idle_any(const struct kv_client *c, int64_t now)
{
	return kv_cfg.timeout > 0 && now - c->last_ms > kv_cfg.timeout * 1000; /* BUG: subscribers too */
}

int main(int argc, char **argv)
{
	kv.idle = idle_any;
	return kv_main(argc, argv);
}
