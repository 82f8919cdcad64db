/* BREAKS: KV-033 KV-035 */
/* CONFIG is left out: the settings come from the command line and cannot
 * change, so there seemed nothing to answer. But clients ask for them:
 * CONFIG GET appendonly gets the unknown-command error, and
 * redis-benchmark, which asks CONFIG GET save and appendonly before it
 * starts, prints "WARNING: Could not fetch server CONFIG" (then runs on
 * and exits 0).
 */
#include "common.h"

static struct kv_cmd *lookup_without_config(const char *name, size_t n)
{
	if (n == 6 && strncasecmp(name, "config", 6) == 0)
		return NULL; /* BUG: CONFIG GET is what clients ask on connecting */
	return kv_lookup_cmd(name, n);
}

int main(int argc, char **argv)
{
	kv.lookup = lookup_without_config;
	return kv_main(argc, argv);
}
