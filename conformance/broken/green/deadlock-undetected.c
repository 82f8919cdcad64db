/* BREAKS: GREEN-018 */
/* green_run returns 0 as soon as nothing can run, as if every task had
 * ended: a program whose tasks all wait for each other "succeeds".
 */
#define GREEN_DEADLOCK() 0 /* BUG: should be -EDEADLK */
#include "common.h"
