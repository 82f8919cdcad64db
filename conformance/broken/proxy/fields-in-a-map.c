/* BREAKS: PROXY-004 */
/* Header fields are kept in a map from name to value, as a dictionary
 * makes easy: a second field line of the same name replaces the first, so
 * of `X-Multi: first`, `X-Multi: second`, `X-Multi: third` only `third`
 * reaches the origin. RFC 9110 §5.3 makes several lines of one name one
 * list: the proxy may join them with ", ", never drop members.
 */
#include "common.h"

static int field_line_last_wins(struct px_msg *m, char *line)
{
	int st = px_field_line(m, line);
	if (st || m->nf < 2)
		return st;
	struct px_field *added = &m->f[m->nf - 1];
	for (int i = 0; i < m->nf - 1; i++) {
		if (strcasecmp(m->f[i].name, added->name) == 0) {
			m->f[i].value = added->value; /* BUG: the earlier value is overwritten */
			m->nf--;
			break;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	px.field_line = field_line_last_wins;
	return px_main(argc, argv, PX_PROXY);
}
