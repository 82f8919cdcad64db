/* BREAKS: PROXY-039 */
/* An over-long field line or head is refused with 400 Bad Request. It is
 * refused, which is what matters most, but 431 (RFC 6585 §5) tells the
 * client that the fields are too large, so that it can send fewer (drop
 * cookies, say) instead of giving up.
 */
#include "common.h"

int main(int argc, char **argv)
{
	px.head_too_large = 400; /* BUG: should be 431 */
	return px_main(argc, argv, PX_PROXY);
}
