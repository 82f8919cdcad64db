/* BREAKS: HTTP-023 */
/* A request head must arrive in one read(): a head split across TCP
 * segments (or a pipelined request that ends in the middle of a read) is
 * answered with 400. TCP is a byte stream; nothing keeps a head in one
 * segment.
 */
#include "common.h"

static int check_limits_one_read(const char *buf, size_t len)
{
	if (len > 0 && http_head_end(buf, len) == 0)
		return 400; /* BUG: an incomplete head is taken for a malformed one */
	return http_check_limits(buf, len);
}

int main(int argc, char **argv)
{
	http.check_limits = check_limits_one_read;
	return http_main(argc, argv);
}
