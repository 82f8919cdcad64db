/* BREAKS: GREP-006 */
/* A pattern argument is one pattern, newlines included: `$'hello\nworld'`
 * is searched as those 11 bytes, which no line can hold, where grep reads
 * it as the two patterns hello and world.
 */
#include "common.h"

static void add_whole(const char *s)
{
	grep_push_pattern(s, strlen(s)); /* BUG: split at the newlines */
}

int main(int argc, char **argv)
{
	grep.add_pattern = add_whole;
	return grep_main(argc, argv);
}
