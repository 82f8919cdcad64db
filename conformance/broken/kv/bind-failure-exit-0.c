/* BREAKS: KV-003 */
/* When the port is in use the program says so, then exits with status 0,
 * so a supervisor takes the failed start for a clean exit.
 */
#include "common.h"

int main(int argc, char **argv)
{
	kv.bind_fail_status = 0; /* BUG */
	return kv_main(argc, argv);
}
