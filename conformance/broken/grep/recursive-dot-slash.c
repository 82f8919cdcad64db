/* BREAKS: GREP-020 */
/* -r without operands searches "." and names what it finds under it
 * `./sub/f.txt`, like `-r .` does; GNU grep leaves the `./` out.
 */
#include "common.h"

static char *prefix_dot(const char *operand)
{
	if (operand == NULL)
		return strdup("./"); /* BUG: "" */
	return grep_root_prefix(operand);
}

int main(int argc, char **argv)
{
	grep.root_prefix = prefix_dot;
	return grep_main(argc, argv);
}
