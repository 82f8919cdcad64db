/* BREAKS: LOC-008 */
/* The header is printed first, then the memory is mapped: when the mapping
 * fails the program exits 1 after a message, but stdout already holds a
 * header, which a reader takes for the start of an empty table.
 */
#include "common.h"

int main(int argc, char **argv)
{
    lo.header_first = true; /* BUG: the memory comes before the first line */
    return lo_main(argc, argv);
}
