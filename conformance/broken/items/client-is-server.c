/* BREAKS: ITEMS-091 */
/* The client address in the log is the address the service listens on
 * (getsockname() where getpeername() was meant): every line says the
 * same "client".
 */
#include "common.h"

static void log_wrong_client(const struct it_req *r, int status, double ms)
{
	struct it_req copy = *r;
	copy.peer = it_cfg.host; /* BUG: our own address, not the peer's */
	it_log_request(&copy, status, ms);
}

int main(int argc, char **argv)
{
	items.log_request = log_wrong_client;
	return items_main(argc, argv);
}
