/* BREAKS: SIDECAR-051 */
/* The X-Forwarded-For line is built in a buffer from malloc() whose result
 * is never checked (../proxy/unchecked-forwarded.h): the first time memory runs
 * out while a request is forwarded, the sidecar dies of SIGSEGV.
 */
#include "../proxy/common.h"
#include "../proxy/unchecked-forwarded.h"

int main(int argc, char **argv)
{
	px.forwarded = forwarded_unchecked;
	return px_main(argc, argv, PX_SIDECAR);
}
