/* BREAKS: GREEN-011 */
/* green_join does not wait: a task that has not ended yet is "joined" at
 * once, with the NULL it has not returned yet.
 */
#define BROKEN_GREEN_JOIN
#include "common.h"

int green_join(int id, void **ret)
{
    if (g.current == NULL)
        return -EPERM;
    if (id == g.current->id)
        return -EDEADLK;
    struct task *t = g.all;
    while (t && t->id != id)
        t = t->all_next;
    if (t == NULL || t->claimed)
        return -ESRCH;
    t->claimed = true;
    if (ret)
        *ret = t->ret; /* BUG: not parked until t ends */
    if (t->state == T_DONE)
        green_forget(t);
    return 0;
}
