/* BREAKS: LOC-009 */
/* Progress goes to stderr on every run, also when stderr is a log file or
 * a pipe and -v was not asked for.
 */
#include "common.h"

static FILE *always_stderr(bool verbose)
{
    (void)verbose; /* BUG: only with -v or a terminal */
    return stderr;
}

int main(int argc, char **argv)
{
    lo.progress_to = always_stderr;
    return lo_main(argc, argv);
}
