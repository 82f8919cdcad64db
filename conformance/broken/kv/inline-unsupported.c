/* BREAKS: KV-012 */
/* Only multibulk requests are understood: a request that does not start
 * with '*' is a protocol error, so PING typed into nc or telnet closes the
 * connection.
 */
#include "common.h"

static long multibulk_only(struct kv_client *c, const char *p, size_t n)
{
	c->argc = 0;
	if (p[0] != '*') { /* BUG: inline commands refused */
		snprintf(c->perrbuf, sizeof c->perrbuf, "Protocol error: expected '*', got '%c'", p[0]);
		return kv_perr(c, c->perrbuf);
	}
	return kv_parse_multibulk(c, p, n);
}

int main(int argc, char **argv)
{
	kv.parse = multibulk_only;
	return kv_main(argc, argv);
}
