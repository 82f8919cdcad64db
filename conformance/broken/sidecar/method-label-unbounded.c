/* BREAKS: SIDECAR-047 */
/* The method label is the method as sent, whatever it is: a client that
 * sends made-up methods creates a new series for each, and the metrics
 * grow without limit.
 */
#include "../proxy/common.h"

static const char *method_as_sent(const char *m)
{
	return m; /* BUG: no bounded set */
}

int main(int argc, char **argv)
{
	px.method_label = method_as_sent;
	return px_main(argc, argv, PX_SIDECAR);
}
