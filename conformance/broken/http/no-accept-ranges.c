/* BREAKS: HTTP-034 */
/* Ranges work, but no response says "Accept-Ranges: bytes", so a client
 * that checks before resuming a download never tries (RFC 9110 §14.3).
 */
#include "common.h"

static void file_headers_no_ranges(struct http_res *res, const struct stat *st)
{
	char date[64];
	http_fmt_date(date, sizeof date, st->st_mtime);
	http_res_header(res, "Last-Modified: %s\r\n", date);
	/* BUG: no Accept-Ranges */
}

int main(int argc, char **argv)
{
	http.file_headers = file_headers_no_ranges;
	return http_main(argc, argv);
}
