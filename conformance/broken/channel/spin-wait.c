/* BREAKS: CHAN-010 */
/* A blocked thread polls: it drops the lock, yields the CPU and looks
 * again, instead of sleeping on a condition variable. Correct, and it
 * burns a core per waiting thread.
 */
#define CHAN_WAIT(cond, lock)                                                                      \
    ((void)(cond), pthread_mutex_unlock(lock), sched_yield(),                                      \
     pthread_mutex_lock(lock)) /* BUG: busy waiting */
#include "common.h"
