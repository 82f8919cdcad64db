/* BREAKS: PROXY-010 */
/* Adds X-Forwarded-Proto: http but also forwards the one the client sent:
 * a client on plain TCP that says "https" makes the origin believe (with
 * two fields, it depends which the origin reads) the request came over TLS.
 */
#include "common.h"

static int own_field_not_xfp(const char *name, int response)
{
	if (strcasecmp(name, "X-Forwarded-Proto") == 0)
		return 0; /* BUG: the client's value is forwarded next to ours */
	return px_own_field(name, response);
}

int main(int argc, char **argv)
{
	px.own_field = own_field_not_xfp;
	return px_main(argc, argv, PX_PROXY);
}
