/* BREAKS: GREEN-012 */
/* green_join does not check whether another task already waits for the
 * same task: the second joiner replaces the first, which is never woken.
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
    if (t == NULL || (t->claimed && t->state == T_DONE)) /* BUG: a waiter is not checked */
        return -ESRCH;
    t->claimed = true;
    if (t->state != T_DONE) {
        t->joiner = g.current;
        green_park();
    }
    if (ret)
        *ret = t->ret;
    green_forget(t);
    return 0;
}
