/* BREAKS: CAT-001 */
/* Each option argument is read as one option, its first letter, the way
 * `switch (argv[i][1])` reads it: `-nE` is taken for `-n`, and the E is
 * silently lost. `--` still ends the options.
 */
#include "common.h"

static int parse_first_letter(int argc, char **argv)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (cat.option((unsigned char)a[1]) < 0) /* BUG: the letters after it too */
			cat_usage(a[1]);
	}
	return i;
}

int main(int argc, char **argv)
{
	cat.parse = parse_first_letter;
	return cat_main(argc, argv);
}
