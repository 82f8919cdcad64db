/* BREAKS: HTTP-036 */
/* The log lines are in the Common Log Format: no referer, no user agent.
 * Tools that read Combined Log Format (GoAccess, AWStats) reject them or
 * shift every field.
 */
#include "common.h"

static void log_common(const struct http_conn *c, const struct http_req *r)
{
	if (http_log_fd < 0)
		return;
	char line[2048], date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S +0000", &tm);
	/* BUG: Common, not Combined: the "referer" "user-agent" pair is missing */
	int n = snprintf(line, sizeof line, "%s - - [%s] \"%.1000s\" %d %lld\n", c->peer, date,
			 r->line ? r->line : "-", r->status, r->sent);
	if (n > 0 && (size_t)n < sizeof line && write(http_log_fd, line, (size_t)n) < 0)
		perror("access log");
}

int main(int argc, char **argv)
{
	http.log = log_common;
	return http_main(argc, argv);
}
