/* BREAKS: KV-016 */
/* Bulk lengths are not bounded: $536870913 (512 MiB + 1) is accepted and
 * the server waits to buffer it all, instead of refusing it as redis does.
 */
#include "common.h"

int main(int argc, char **argv)
{
	kv.max_bulk = LLONG_MAX - 2; /* BUG: no proto-max-bulk-len */
	return kv_main(argc, argv);
}
