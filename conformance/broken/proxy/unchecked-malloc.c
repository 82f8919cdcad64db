/* BREAKS: PROXY-052 */
/* The X-Forwarded-For line is built in a buffer from malloc() whose result
 * is never checked (unchecked-forwarded.h): the first time memory runs
 * out while a request is forwarded, the proxy dies of SIGSEGV.
 */
#include "common.h"
#include "unchecked-forwarded.h"

int main(int argc, char **argv)
{
	px.forwarded = forwarded_unchecked;
	return px_main(argc, argv, PX_PROXY);
}
