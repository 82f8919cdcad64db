/* BREAKS: LSOF-009 */
/* TYPE guessed from the target's text: `socket:` SOCK, `pipe:` FIFO,
 * `anon_inode:` a_inode, `/dev/` CHR, anything else REG. A named FIFO (a
 * path) comes out REG.
 */
#include "common.h"

static const char *type_from_text(const char *path, const char *name)
{
	(void)path; /* BUG: no stat at all */
	if (strncmp(name, "socket:", 7) == 0)
		return "SOCK";
	if (strncmp(name, "pipe:", 5) == 0)
		return "FIFO";
	if (strncmp(name, "anon_inode:", 11) == 0)
		return "a_inode";
	if (strncmp(name, "/dev/", 5) == 0)
		return "CHR";
	return "REG";
}

int main(int argc, char **argv)
{
	lsof.type_of = type_from_text;
	return lsof_main(argc, argv);
}
