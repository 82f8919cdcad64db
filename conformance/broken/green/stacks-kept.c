/* BREAKS: GREEN-006 */
/* A task's stack is unmapped only when the task is joined: tasks nobody
 * joins keep their stacks (two mappings each) until the process ends.
 */
#define BROKEN_STACK_FREE
#include "common.h"

static inline void stack_free(struct task *t)
{
    if (t->state == T_DONE && !t->claimed)
        return; /* BUG: an unjoined task's stack is never unmapped */
    if (t->map)
        munmap(t->map, t->map_len);
    t->map = NULL;
}
