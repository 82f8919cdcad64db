/* BREAKS: SIDECAR-022 */
/* The client's X-Request-Id is passed on, but none is made when the client
 * sent none (or a bad one): the origin's logs and the client's error
 * report then have nothing in common to search for.
 */
#include "../proxy/common.h"

static void request_id_only_clients(struct px_ex *ex)
{
	px_request_id(ex);
	const char *id = px_field(ex->req, "X-Request-Id");
	if (id == NULL || px_field_count(ex->req, "X-Request-Id") != 1 || !px.request_id_ok(id))
		ex->request_id[0] = '\0'; /* BUG: no id of our own */
}

int main(int argc, char **argv)
{
	px.request_id = request_id_only_clients;
	return px_main(argc, argv, PX_SIDECAR);
}
