/* BREAKS: CHAN-007 */
/* One condition variable for both "not full" and "not empty", woken with
 * pthread_cond_signal. With senders and receivers waiting on it at once,
 * a send can wake another sender (which goes back to sleep) instead of a
 * receiver: the wakeup is lost, and with capacity 1 every thread soon
 * sleeps for good.
 */
#define CHAN_NOT_FULL(ch) (&(ch)->not_empty) /* BUG: shared with receivers */
#include "common.h"
