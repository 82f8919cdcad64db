/* BREAKS: KV-080 */
/* A failed accept() is taken as fatal: the first EMFILE (too many open
 * descriptors) or ECONNABORTED ends the server.
 */
#include "common.h"

static void fatal(int err)
{
	kv_log("accept: %s", strerror(err));
	exit(1); /* BUG: these errors pass; the server must go on */
}

int main(int argc, char **argv)
{
	kv.accept_error = fatal;
	return kv_main(argc, argv);
}
