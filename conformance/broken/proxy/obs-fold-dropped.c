/* BREAKS: PROXY-044 */
/* A field line folded onto the previous one (obs-fold, a line starting
 * with a space or tab) is silently skipped instead of refused. RFC 9112
 * §5.2 lets a proxy replace the fold with spaces, but dropping the
 * continuation changes the field (Content-Length: 0 continued by " 49"
 * reaches the origin as 0), and the origin may read it otherwise.
 */
#include "common.h"

static int field_line_skip_fold(struct px_msg *m, char *line)
{
	if (line[0] == ' ' || line[0] == '\t')
		return 0; /* BUG: should be a 400 */
	return px_field_line(m, line);
}

int main(int argc, char **argv)
{
	px.field_line = field_line_skip_fold;
	return px_main(argc, argv, PX_PROXY);
}
