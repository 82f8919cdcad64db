/* BREAKS: HTTP-009 */
/* Only a missing Host is refused; two Host fields are served (the first
 * one wins). Two Hosts that disagree are how a request gets routed one way
 * by a proxy and another way by the server: RFC 9112 §3.2 requires a 400.
 */
#include "common.h"

static int host_rule_first_wins(const struct http_req *r, int hosts)
{
	return r->minor == 1 && hosts == 0 ? 400 : 0; /* BUG: hosts > 1 is accepted */
}

int main(int argc, char **argv)
{
	http.host_rule = host_rule_first_wins;
	return http_main(argc, argv);
}
