/* BREAKS: KV-052 */
/* --maxclients is parsed and shown by CONFIG GET, but never enforced.
 */
#include "common.h"

static int never_too_many(int nclients)
{
	(void)nclients;
	return 0; /* BUG */
}

int main(int argc, char **argv)
{
	kv.too_many = never_too_many;
	return kv_main(argc, argv);
}
