/* BREAKS: GREEN-016 */
/* Sleepers are kept in the order they went to sleep, and the scheduler
 * wakes from the front while the first one is due: a short sleep behind a
 * long one waits for the long one.
 */
#define BROKEN_SLEEP_INSERT
#include "common.h"

static inline void sleep_insert(struct task *t)
{
    struct task **p = &g.sleepers;
    while (*p) /* BUG: appended, not sorted by wake-up time */
        p = &(*p)->next;
    t->next = NULL;
    *p = t;
}
