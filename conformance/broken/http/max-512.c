/* BREAKS: HTTP-026 */
/* Room for 512 connections (a fixed table, an FD_SETSIZE-sized select, a
 * worker pool); connection 513 is accepted and closed at once.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.max_conns = 512; /* BUG: a limit nobody asked for */
	return http_main(argc, argv);
}
