/* BREAKS: GREP-004 */
/* The patterns are compiled as basic regular expressions with regcomp(),
 * like GNU grep's default, and -F is accepted but changes nothing: `a.b`
 * matches `axb`, `x*` matches every line, and `[` is a bad expression.
 */
#include <regex.h>

#include "common.h"

static regex_t *compiled;

static void compile_patterns(void)
{
	grep_prepare();
	compiled = calloc(grep_pats.len ? grep_pats.len : 1, sizeof *compiled);
	if (compiled == NULL)
		grep_die_nomem();
	for (size_t i = 0; i < grep_pats.len; i++) {
		/* BUG: with -F the bytes are literal */
		int rc = regcomp(&compiled[i], grep_pats.p[i],
				 REG_NOSUB | (grep_opt.icase ? REG_ICASE : 0));
		if (rc != 0) {
			char msg[128];
			regerror(rc, &compiled[i], msg, sizeof msg);
			fprintf(stderr, "%s: %s\n", grep_prog, msg);
			exit(2);
		}
	}
}

static int match_regex(const char *p, size_t n)
{
	for (size_t i = 0; i < grep_pats.len; i++) {
		regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)n}; /* the line is not NUL-terminated */
		if (regexec(&compiled[i], p, 1, &m, REG_STARTEND) == 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	grep.prepare = compile_patterns;
	grep.match = match_regex;
	return grep_main(argc, argv);
}
