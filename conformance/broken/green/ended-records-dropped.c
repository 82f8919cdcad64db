/* BREAKS: GREEN-005 */
/* When it returns, green_run "starts afresh" by emptying its list of
 * tasks - without freeing the records of the tasks that ended unjoined.
 */
#define BROKEN_GREEN_RUN
#include "common.h"

int green_run(void)
{
    if (g.current)
        return -EPERM;
    green_install_handler();
    for (;;) {
        wake_sleepers();
        struct task *t = tlist_pop(&g.runq);
        if (t == NULL) {
            if (g.sleepers) {
                GREEN_IDLE(g.sleepers->wake_ns);
                continue;
            }
            if (g.live > 0)
                return GREEN_DEADLOCK();
            break;
        }
        g.current = t;
        t->state = T_RUNNING;
        swapcontext(&g.sched, &t->ctx);
        g.current = NULL;
        if (t->state == T_DONE)
            stack_free(t);
    }
    g.all = NULL; /* BUG: the ended tasks' records are leaked */
    return 0;
}
