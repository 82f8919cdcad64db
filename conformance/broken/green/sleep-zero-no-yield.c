/* BREAKS: GREEN-009 */
/* green_sleep_ms(0) returns at once ("nothing to wait for") instead of
 * yielding, so a task that sleeps 0 in a loop never lets the others run.
 */
#define BROKEN_GREEN_SLEEP_MS
#include "common.h"

int green_sleep_ms(unsigned ms)
{
    if (g.current == NULL)
        return -EPERM;
    if (ms == 0)
        return 0; /* BUG: should be green_yield() */
    struct task *t = g.current;
    t->wake_ns = green_now_ns() + (uint64_t)ms * 1000000u;
    t->state = T_SLEEPING;
    sleep_insert(t);
    green_switch_out();
    return 0;
}
