/* BREAKS: HTTP-024 */
/* The header timeout is a timeout per read: it restarts whenever a byte
 * arrives. A client that sends one byte every second (slowloris) keeps its
 * connection, and its thread, forever. The deadline must count from the
 * head's first byte.
 */
#include "common.h"

static int wait_ms_per_read(const struct http_conn *c)
{
	if (c->first_byte == 0)
		return (c->served ? http_idle_timeout : http_header_timeout) * 1000;
	return http_header_timeout * 1000; /* BUG: the full timeout again after every read */
}

int main(int argc, char **argv)
{
	http.wait_ms = wait_ms_per_read;
	return http_main(argc, argv);
}
