/* BREAKS: CAT-004 */
/* Every operand is opened by its name, `-` too: "mcat: -: No such file or
 * directory" instead of copying standard input.
 */
#include "common.h"

static int open_by_name(const char *name)
{
	int fd = open(name, O_RDONLY | O_NOCTTY | O_CLOEXEC); /* BUG: "-" is stdin */
	return fd < 0 ? -errno : fd;
}

int main(int argc, char **argv)
{
	cat.open_operand = open_by_name;
	return cat_main(argc, argv);
}
