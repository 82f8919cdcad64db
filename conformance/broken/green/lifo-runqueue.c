/* BREAKS: GREEN-007 */
/* The run queue is a stack: spawned, yielding and woken tasks go to the
 * front, so the task that yields runs again at once and the others starve.
 */
#define GREEN_SPAWN_PUSH(t) tlist_push_front(&g.runq, (t)) /* BUG */
#define GREEN_YIELD_PUSH(t) tlist_push_front(&g.runq, (t)) /* BUG */
#define GREEN_WAKE_PUSH(t)  tlist_push_front(&g.runq, (t)) /* BUG */
#include "common.h"
