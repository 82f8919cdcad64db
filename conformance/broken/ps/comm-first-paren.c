/* BREAKS: PS-013 */
/* comm taken up to the FIRST ')' of /proc/PID/stat: a process that names
 * itself `a) T 1 (b` gets the state T and the PPID 1 read out of its own
 * name.
 */
#include "common.h"

static int parse_first_paren(const char *s, size_t n, struct ps_row *r)
{
	char text[512];
	size_t m = n < sizeof text - 1 ? n : sizeof text - 1;
	memcpy(text, s, m);
	text[m] = '\0';
	char *lo = strchr(text, '('), *hi = lo ? strchr(lo, ')') : NULL; /* BUG: the first ')' */
	if (lo == NULL || hi == NULL)
		return -1;
	r->commlen = (size_t)(hi - lo - 1) < sizeof r->comm ? (size_t)(hi - lo - 1) : sizeof r->comm - 1;
	memcpy(r->comm, lo + 1, r->commlen);
	return sscanf(hi + 1, " %c %d", &r->state, &r->ppid) == 2 ? 0 : -1;
}

int main(int argc, char **argv)
{
	ps.parse_stat = parse_first_paren;
	return ps_main(argc, argv);
}
