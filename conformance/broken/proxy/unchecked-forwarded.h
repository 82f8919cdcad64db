/* The bug that proxy/, lb/ and sidecar/unchecked-malloc.c share: the
 * X-Forwarded-For line is built in a buffer from malloc() whose result is
 * never checked, so the first time memory runs out while a request is
 * forwarded, the program writes through a NULL pointer and dies of
 * SIGSEGV, taking every client with it. Include it after common.h and set
 * px.forwarded = forwarded_unchecked. */
#ifndef BROKEN_PX_UNCHECKED_FORWARDED_H
#define BROKEN_PX_UNCHECKED_FORWARDED_H

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

#endif
