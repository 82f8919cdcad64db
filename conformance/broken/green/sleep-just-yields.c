/* BREAKS: GREEN-014 */
/* green_sleep_ms yields once and returns, whatever ms says: the task
 * "sleeps" one round of the run queue.
 */
#define BROKEN_GREEN_SLEEP_MS
#include "common.h"

int green_sleep_ms(unsigned ms)
{
    (void)ms;
    return green_yield(); /* BUG: no timer at all */
}
