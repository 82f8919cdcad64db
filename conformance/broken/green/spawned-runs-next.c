/* BREAKS: GREEN-008 */
/* A task spawned by a task goes to the front of the run queue ("so that
 * it starts soon"), ahead of the tasks that were already waiting.
 */
#define GREEN_SPAWN_PUSH(t)                                                                        \
    (g.current ? tlist_push_front(&g.runq, (t)) /* BUG */                                          \
               : tlist_push_back(&g.runq, (t)))
#include "common.h"
