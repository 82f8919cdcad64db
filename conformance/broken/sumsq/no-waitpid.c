/* BREAKS: SUMSQ-010 */
/* The partial sums are read from the pipes, so "the children are done":
 * nobody calls waitpid(), and each stays a zombie until the parent exits.
 */
#include "common.h"

int main(int argc, char **argv)
{
	sq.reap = false; /* BUG: children never waited for */
	return sq_main(argc, argv);
}
