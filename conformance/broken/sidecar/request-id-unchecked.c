/* BREAKS: SIDECAR-022 */
/* Any X-Request-Id a client sends is kept, however long or whatever bytes
 * it holds: a client can put kilobytes or control characters into every
 * log line and header downstream.
 */
#include "../proxy/common.h"

static int request_id_anything(const char *v)
{
	return *v != '\0'; /* BUG: no length or character check */
}

int main(int argc, char **argv)
{
	px.request_id_ok = request_id_anything;
	return px_main(argc, argv, PX_SIDECAR);
}
