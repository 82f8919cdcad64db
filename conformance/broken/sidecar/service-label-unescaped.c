/* BREAKS: SIDECAR-046 */
/* The service label's value is written between quotes as given: a --service
 * with a '"', a '\' or a line feed breaks the exposition (the text format
 * wants them as \", \\ and \n).
 */
#include "../proxy/common.h"

static void service_label_raw(char *out, size_t n)
{
	snprintf(out, n, "%s", px_cfg.service); /* BUG: no escapes */
}

int main(int argc, char **argv)
{
	px.service_label = service_label_raw;
	return px_main(argc, argv, PX_SIDECAR);
}
