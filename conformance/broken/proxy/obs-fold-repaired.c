/* BREAKS: PROXY-045 */
/* A folded field line (obs-fold) is repaired: the fold becomes spaces and
 * the field is forwarded whole. RFC 9112 §5.2 allows it, but this spec
 * asks for the 400: a repair is only safe if it matches exactly what the
 * origin would have made of the fold, and a refusal leaves nothing to
 * match.
 */
#include "common.h"

static int field_line_unfold(struct px_msg *m, char *line)
{
	if ((line[0] != ' ' && line[0] != '\t') || m->nf == 0)
		return px_field_line(m, line);
	/* BUG (by this spec): the previous value runs on over the fold; the NULs
	 * that cut the lines in the head copy become spaces */
	char *v = m->f[m->nf - 1].value;
	for (char *p = v + strlen(v); p < line; p++)
		*p = ' ';
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	px.field_line = field_line_unfold;
	return px_main(argc, argv, PX_PROXY);
}
