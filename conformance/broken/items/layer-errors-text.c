/* BREAKS: ITEMS-064 */
/* The errors found while reading the head, before any route is chosen (a
 * malformed request line, a head over the limit), get the server's plain
 * text page; only the API's own errors are JSON.
 */
#include "common.h"

static int respond_layer_text(struct it_conn *c, struct it_req *r, struct it_reply *rp)
{
	if (r->method == NULL && rp->status >= 400) { /* the head was not parsed */
		free(rp->body);
		rp->ctype = "text/plain";
		rp->body = malloc(64); /* BUG: not the JSON error object */
		rp->len = rp->body ? (size_t)snprintf(rp->body, 64, "%d %s\n", rp->status,
						      it_reason(rp->status)) : 0;
	}
	return it_respond(c, r, rp);
}

int main(int argc, char **argv)
{
	items.respond = respond_layer_text;
	return items_main(argc, argv);
}
