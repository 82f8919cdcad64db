/* BREAKS: ITEMS-093 */
/* The request line has no trace_id: "we do not do tracing". A request
 * line cannot then be joined with the spans of the same request in other
 * services.
 */
#include "common.h"

static void log_without_trace(const struct it_req *r, int status, double ms)
{
	int level = items.level_of(status);
	char t[40];
	it_time_text(t, sizeof t);
	it_log_json(level, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:s}", "time", t, "level",
				     it_level_name[level], "msg", "request", /* BUG: no trace_id */
				     "method", r->method ? r->method : "", "route",
				     it_route_label[r->route], "path", r->path ? r->path : "",
				     "status", status, "latency_ms", ms, "client", r->peer));
}

int main(int argc, char **argv)
{
	items.log_request = log_without_trace;
	return items_main(argc, argv);
}
