/* BREAKS: KV-013 */
/* Inline lines are split on blanks and nothing else: quotes are kept as
 * bytes of the arguments, so SET k "a b" sets k to `"a` (with an extra
 * argument `b"`, a syntax error).
 */
#include "common.h"

static int split_blanks(struct kv_client *c, const char *line, size_t len)
{
	size_t i = 0;
	for (;;) { /* BUG: no quoting, no escapes */
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i == len)
			return 0;
		size_t start = i;
		while (i < len && !isspace((unsigned char)line[i]))
			i++;
		if (kv_push_arg(c, line + start, i - start) < 0)
			return -2;
	}
}

int main(int argc, char **argv)
{
	kv.split_inline = split_blanks;
	return kv_main(argc, argv);
}
