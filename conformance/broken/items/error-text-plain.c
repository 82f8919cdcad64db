/* BREAKS: ITEMS-063 */
/* Errors are text/plain status pages ("404 Not Found"), as a static web
 * server sends them: a JSON client cannot read a code, a message or the
 * member at fault from them.
 */
#include "common.h"

static void error_text(struct it_reply *rp, int status, const char *field, const char *message)
{
	(void)field;
	(void)message;
	free(rp->body);
	it_reply_init(rp);
	rp->status = status;
	rp->ctype = "text/plain";
	rp->body = malloc(64); /* BUG: not the JSON error object */
	rp->len = rp->body ? (size_t)snprintf(rp->body, 64, "%d %s\n", status, it_reason(status)) : 0;
}

int main(int argc, char **argv)
{
	items.error = error_text;
	return items_main(argc, argv);
}
