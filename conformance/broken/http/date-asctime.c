/* BREAKS: HTTP-003 */
/* The Date field is written with asctime(): "Sat Nov 21 10:00:00 2026".
 * That is one of the obsolete formats a recipient must still parse, but a
 * sender must use IMF-fixdate (RFC 9110 §5.6.7).
 */
#include "common.h"

static void date_field_asctime(struct http_head *h)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm); /* BUG: asctime format */
	http_head_add(h, "Date: %s\r\n", date);
}

int main(int argc, char **argv)
{
	http.date_field = date_field_asctime;
	return http_main(argc, argv);
}
