/* BREAKS: LOC-012 */
/* The header and the rows are printed and flushed without a look at the
 * result: when stdout is full (ENOSPC) every line is lost and the program
 * still exits 0.
 */
#include "common.h"

int main(int argc, char **argv)
{
    lo.check_writes = false; /* BUG: a failed write is an error, exit 1 */
    return lo_main(argc, argv);
}
