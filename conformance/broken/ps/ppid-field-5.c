/* BREAKS: PS-004 */
/* Fields counted from 0 after the comm: "state is field 3, so field 5 is
 * two further" - the PPID column shows field (5), the process group.
 */
#include "common.h"

static int parse_pgrp(const char *s, size_t n, struct ps_row *r)
{
	int rc = ps_parse_stat(s, n, r);
	const char *hi = NULL;
	for (const char *p = s + n; p > s; p--)
		if (p[-1] == ')') {
			hi = p - 1;
			break;
		}
	if (rc == 0 && hi != NULL && sscanf(hi + 1, " %*c %*d %d", &r->ppid) != 1) /* BUG: field (5) */
		rc = -1;
	return rc;
}

int main(int argc, char **argv)
{
	ps.parse_stat = parse_pgrp;
	return ps_main(argc, argv);
}
