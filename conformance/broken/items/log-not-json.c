/* BREAKS: ITEMS-090 */
/* Request lines in the Common Log Format, as web servers have always
 * written them: every other line is JSON, these are not, and a log
 * pipeline that parses JSON drops or chokes on them.
 */
#include "common.h"

static void log_text(const struct it_req *r, int status, double ms)
{
	char t[40], line[1024];
	it_time_text(t, sizeof t);
	int n = snprintf(line, sizeof line, "%s - - [%s] \"%s %s\" %d %.3fms\n", r->peer, t,
			 r->method ? r->method : "-", r->path ? r->path : "-", status, ms);
	if (n > 0 && (size_t)n < sizeof line && write(2, line, (size_t)n) < 0) /* BUG: not JSON */
		return;
}

int main(int argc, char **argv)
{
	items.log_request = log_text;
	return items_main(argc, argv);
}
