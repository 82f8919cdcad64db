/* BREAKS: SIDECAR-002 */
/* Chunk sizes are written in decimal (`printf("%zu\r\n")`), where HTTP
 * wants hex (RFC 9112 §7.1). Chunks under ten bytes come out right, so a
 * test with small bodies passes; a 16384-byte chunk announces 0x16384
 * bytes, and the peer reads the body wrong or waits for bytes that never
 * come.
 */
#include "../proxy/common.h"

static int chunk_head_decimal(char *buf, size_t cap, size_t n)
{
	return snprintf(buf, cap, "%zu\r\n", n); /* BUG: decimal, not hex */
}

int main(int argc, char **argv)
{
	px.chunk_head = chunk_head_decimal;
	return px_main(argc, argv, PX_SIDECAR);
}
