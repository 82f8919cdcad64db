/* BREAKS: GREEN-019 */
/* On a deadlock green_run frees every remaining task "so that nothing
 * leaks" - but the channels they were parked on still point to them, and
 * waking one later uses freed memory.
 */
static int green_drop_all(void);
#define GREEN_DEADLOCK() green_drop_all()
#include "common.h"

static int green_drop_all(void)
{
    while (g.all) /* BUG: the parked tasks are still on channels' lists */
        green_forget(g.all);
    g.live = 0;
    return -EDEADLK;
}
