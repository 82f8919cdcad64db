/* BREAKS: KV-002 */
/* The stop on SIGTERM/SIGINT is clean (the AOF flushed, every connection
 * closed), but the program then exits with status 1.
 */
#include "common.h"

int main(int argc, char **argv)
{
	kv.stop_status = 1; /* BUG: a requested stop is not a failure */
	return kv_main(argc, argv);
}
