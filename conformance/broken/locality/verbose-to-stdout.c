/* BREAKS: LOC-010 */
/* With -v the progress lines are printed with printf, so they land on
 * stdout in the middle of the table.
 */
#include "common.h"

static FILE *progress_stdout(bool verbose)
{
    return verbose ? stdout : NULL; /* BUG: progress goes to stderr */
}

int main(int argc, char **argv)
{
    lo.progress_to = progress_stdout;
    return lo_main(argc, argv);
}
