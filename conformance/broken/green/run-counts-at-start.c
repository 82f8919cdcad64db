/* BREAKS: GREEN-004 */
/* green_run counts the tasks it was given and stops once that many have
 * ended: tasks spawned by tasks while it runs are left waiting in the run
 * queue (until a later green_run, which does the same).
 */
#define BROKEN_GREEN_RUN
#include "common.h"

int green_run(void)
{
    if (g.current)
        return -EPERM;
    green_install_handler();
    int todo = g.live; /* BUG: tasks spawned from now on are not counted */
    while (todo > 0) {
        wake_sleepers();
        struct task *t = tlist_pop(&g.runq);
        if (t == NULL) {
            if (g.sleepers) {
                GREEN_IDLE(g.sleepers->wake_ns);
                continue;
            }
            return GREEN_DEADLOCK();
        }
        g.current = t;
        t->state = T_RUNNING;
        swapcontext(&g.sched, &t->ctx);
        g.current = NULL;
        if (t->state == T_DONE) {
            stack_free(t);
            todo--;
        }
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
