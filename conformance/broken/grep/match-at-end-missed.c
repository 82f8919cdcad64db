/* BREAKS: GREP-003 */
/* The search tries each start position with `i + m < n` where it should
 * be `i + m <= n`: the last place the pattern fits is never tried, so a
 * pattern at the very end of a line (or a line that is just the pattern)
 * is not found.
 */
#include "common.h"

static int occurs(const unsigned char *s, size_t n, const unsigned char *t, size_t m)
{
	if (m == 0)
		return 1; /* the empty pattern matches every line */
	for (size_t i = 0; i + m < n; i++) { /* BUG: <= n */
		size_t j = 0;
		while (j < m && (grep_opt.icase ? grep_folded[s[i + j]] : s[i + j]) == t[j])
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

static int match_off_by_one(const char *p, size_t n)
{
	for (size_t k = 0; k < grep_pats.len; k++)
		if (occurs((const unsigned char *)p, n, (const unsigned char *)grep_pats.p[k],
			   grep_pats.n[k]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	grep.match = match_off_by_one;
	return grep_main(argc, argv);
}
