/* BREAKS: GREEN-015 */
/* The scheduler looks at the sleepers only when the run queue is empty:
 * while other tasks keep yielding, a sleeper whose time has come never
 * runs again.
 */
#define BROKEN_GREEN_RUN
#include "common.h"

int green_run(void)
{
    if (g.current)
        return -EPERM;
    green_install_handler();
    for (;;) {
        struct task *t = tlist_pop(&g.runq);
        if (t == NULL) {
            wake_sleepers(); /* BUG: only here, not before every pick */
            if (g.runq.head)
                continue;
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
    for (struct task **p = &g.all; *p;) {
        struct task *t = *p;
        if (t->state == T_DONE && !t->claimed) {
            *p = t->all_next;
            free(t);
        } else {
            p = &t->all_next;
        }
    }
    return 0;
}
