/* BREAKS: SIDECAR-051 */
/* The X-Forwarded-For line is built in a buffer from malloc() whose result
 * is never checked: the first time memory runs out while a request is
 * forwarded, the sidecar writes through a NULL pointer and dies of SIGSEGV,
 * taking every client with it.
 */
#include "../proxy/common.h"

static void forwarded_unchecked(struct px_sb *h, const struct px_ex *ex)
{
	struct px_sb in = {0};
	px_field_join(ex->req, "X-Forwarded-For", &in);
	char *line = malloc(in.len + strlen(ex->c->ip) + 32); /* BUG: NULL never checked */
	sprintf(line, "X-Forwarded-For: %s%s%s\r\n", in.len ? in.s : "", in.len ? ", " : "",
		ex->c->ip);
	px_sb_mem(h, line, strlen(line));
	free(line);
	free(in.s);
	px_sb_add(h, "X-Forwarded-Proto: http\r\n");
}

int main(int argc, char **argv)
{
	px.forwarded = forwarded_unchecked;
	return px_main(argc, argv, PX_SIDECAR);
}
