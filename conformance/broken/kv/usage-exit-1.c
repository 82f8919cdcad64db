/* BREAKS: KV-001 */
/* A bad command line is reported, but with exit status 1 (the status of a
 * failure to start), not 2.
 */
#include "common.h"

int main(int argc, char **argv)
{
	kv.usage_status = 1; /* BUG */
	return kv_main(argc, argv);
}
