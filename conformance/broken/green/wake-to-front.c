/* BREAKS: GREEN-010 */
/* A woken task goes to the front of the run queue, ahead of the tasks
 * that were already runnable.
 */
#define GREEN_WAKE_PUSH(t) tlist_push_front(&g.runq, (t)) /* BUG */
#include "common.h"
