/* BREAKS: LB-002 */
/* The client's Host is replaced by the chosen backend's address
 * (`Host: 127.0.0.1:8001`), nginx's default for `proxy_pass` to an
 * upstream group: convenient for backends that check their own name, but a
 * backend serving several sites by name, or building absolute links, sees
 * the wrong one. The spec asks for the request intact, Host as sent (RFC
 * 9110 §7.2, §7.6).
 */
#include "../proxy/common.h"

static int own_field_and_host(const char *name, int response)
{
	return (!response && strcasecmp(name, "Host") == 0) || px_own_field(name, response);
}

static void request_fields_backend_host(struct px_sb *h, struct px_ex *ex)
{
	px_sb_add(h, "Host: %s\r\n", ex->b->name); /* BUG: the client's Host is replaced */
	px_sidecar_request_fields(h, ex);
}

int main(int argc, char **argv)
{
	px.own_field = own_field_and_host;
	px.request_fields = request_fields_backend_host;
	return px_main(argc, argv, PX_LB);
}
