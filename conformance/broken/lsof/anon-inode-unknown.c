/* BREAKS: LSOF-010 */
/* Only the S_IF* types known: an eventfd or epoll descriptor, whose stat
 * has no file type, is `unknown` instead of `a_inode`.
 */
#include "common.h"

static const char *type_no_anon(const char *path, const char *name)
{
	const char *t = lsof_type_of(path, name);
	return t != NULL && strcmp(t, "a_inode") == 0 ? "unknown" : t; /* BUG: anon_inode: forgotten */
}

int main(int argc, char **argv)
{
	lsof.type_of = type_no_anon;
	return lsof_main(argc, argv);
}
