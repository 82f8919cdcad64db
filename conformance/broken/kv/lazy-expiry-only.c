/* BREAKS: KV-042 */
/* Expiry is lazy only: a key is deleted when a command finds it expired,
 * and there is no periodic sweep. Keys nobody reads again stay in memory
 * for ever (DBSIZE never falls).
 */
#include "common.h"

static void no_sweep(void)
{
	/* BUG: expired keys that no command touches are never reclaimed */
}

int main(int argc, char **argv)
{
	kv.active_expire = no_sweep;
	return kv_main(argc, argv);
}
