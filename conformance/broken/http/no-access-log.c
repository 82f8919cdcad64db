/* BREAKS: HTTP-036 */
/* --access-log opens the file and nothing is ever written to it. */
#include "common.h"

static void log_nothing(const struct http_conn *c, const struct http_req *r)
{
	(void)c;
	(void)r; /* BUG: the log line is never written */
}

int main(int argc, char **argv)
{
	http.log = log_nothing;
	return http_main(argc, argv);
}
