/* BREAKS: SIDECAR-016 */
/* A traceparent is checked for its shape only (55 characters, dashes in
 * their places): upper-case or non-hex digits, all-zero ids and version
 * ff are kept, and their trace-id travels on. W3C Trace Context §3.2.2
 * tells vendors to ignore such a value and restart the trace.
 */
#include "../proxy/common.h"

static int traceparent_shape_only(const char *v)
{
	/* BUG: no hex, case, zero or version check */
	return strlen(v) == 55 && v[2] == '-' && v[35] == '-' && v[52] == '-';
}

int main(int argc, char **argv)
{
	px.traceparent_ok = traceparent_shape_only;
	return px_main(argc, argv, PX_SIDECAR);
}
