/* BREAKS: LOC-007 */
/* --no-random is accepted, then forgotten: the random rows are always
 * there.
 */
#include "common.h"

static void random_always(struct lo_opts *o)
{
    o->random = true; /* BUG: --no-random leaves them out */
}

int main(int argc, char **argv)
{
    lo.options_done = random_always;
    return lo_main(argc, argv);
}
