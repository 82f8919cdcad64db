/* BREAKS: GREP-001 */
/* `--` is skipped as if it were an empty option, and option parsing goes
 * on after it: in `-- -x FILE` the -x is still read as an option (an
 * unknown one), where `--` makes it the pattern.
 */
#include "common.h"

static int parse_past_dashdash(int argc, char **argv)
{
	int i = 1, have_e = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			continue; /* BUG: the options end here */
		if (a[0] != '-' || a[1] == '\0')
			break;
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'e') {
				grep_option_e(argc, argv, &i, c);
				have_e = 1;
				break;
			}
			grep_option(*c);
		}
	}
	if (!have_e) {
		if (i >= argc)
			grep_usage(NULL);
		grep.add_pattern(argv[i++]);
	}
	return i;
}

int main(int argc, char **argv)
{
	grep.parse = parse_past_dashdash;
	return grep_main(argc, argv);
}
