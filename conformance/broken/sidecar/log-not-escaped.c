/* BREAKS: SIDECAR-033 */
/* Log strings are written between quotes as they came: a request id with
 * a '"' or a '\', or a path with bytes that are not UTF-8, makes the line
 * invalid JSON, and a log shipper drops it (or worse, reads the client's
 * text as extra members).
 */
#include "../proxy/common.h"

static void json_str_raw(struct px_sb *b, const char *s, size_t n)
{
	px_sb_mem(b, "\"", 1);
	px_sb_mem(b, s, n); /* BUG: no escapes, no UTF-8 check */
	px_sb_mem(b, "\"", 1);
}

int main(int argc, char **argv)
{
	px.json_str = json_str_raw;
	return px_main(argc, argv, PX_SIDECAR);
}
