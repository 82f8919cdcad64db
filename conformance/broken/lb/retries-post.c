/* BREAKS: LB-014 */
/* Any request whose backend closed or reset the connection before
 * answering is sent again to the next backend, POST included. But the
 * first backend may have acted on it before dying (the order placed, the
 * payment made): RFC 9110 §9.2.2 lets only idempotent requests be
 * repeated automatically.
 */
#include "../proxy/common.h"

static int may_retry_any_method(const struct px_ex *ex)
{
	return px_can_replay(ex); /* BUG: the method is not looked at */
}

int main(int argc, char **argv)
{
	px.may_retry = may_retry_any_method;
	return px_main(argc, argv, PX_LB);
}
