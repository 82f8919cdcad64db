/* BREAKS: HTTP-032 */
/* Files are served without Last-Modified: clients have no validator to
 * send back in If-Modified-Since, so nothing is ever revalidated (RFC 9110
 * §8.8.2).
 */
#include "common.h"

static void file_headers_no_date(struct http_res *res, const struct stat *st)
{
	(void)st; /* BUG: no Last-Modified */
	http_res_header(res, "Accept-Ranges: bytes\r\n");
}

int main(int argc, char **argv)
{
	http.file_headers = file_headers_no_date;
	return http_main(argc, argv);
}
