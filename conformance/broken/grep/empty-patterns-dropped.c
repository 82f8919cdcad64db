/* BREAKS: GREP-007 */
/* The pattern list is split with strtok(), which skips empty fields: `''`
 * gives no pattern at all (nothing matches), and the empty pattern of
 * `$'a\n'` is lost.
 */
#include "common.h"

static void add_with_strtok(const char *s)
{
	char *copy = strdup(s), *save = NULL;
	if (copy == NULL)
		grep_die_nomem();
	for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		grep_push_pattern(t, strlen(t)); /* BUG: the empty parts are patterns too */
	free(copy);
}

int main(int argc, char **argv)
{
	grep.add_pattern = add_with_strtok;
	return grep_main(argc, argv);
}
