/* BREAKS: GREEN-013 */
/* green_yield does not check that it is called from a task: in the main
 * code it dereferences the NULL current task.
 */
#define BROKEN_GREEN_YIELD
#include "common.h"

int green_yield(void)
{
    /* BUG: no "if (g.current == NULL) return -EPERM;" */
    g.current->state = T_READY;
    GREEN_YIELD_PUSH(g.current);
    green_switch_out();
    return 0;
}
