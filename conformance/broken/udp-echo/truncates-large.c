/* BREAKS: UECHO-003 */
/* Receives into an 8 KiB buffer: recvfrom() silently cuts a larger datagram
 * to the buffer's size (MSG_TRUNC is never looked at), and the echo is the
 * truncated prefix.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	/* BUG: 8192 bytes, "big enough for any message": the rest of a larger
	 * datagram is discarded by the kernel */
	return uecho_serve_with(uecho_bind(o.host, o.port), uecho_answer, 8192);
}
