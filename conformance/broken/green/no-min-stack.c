/* BREAKS: GREEN-002 */
/* Only the upper bound of the stack size is checked: a task can be given
 * a 1-byte stack (a page once rounded up), on which it overflows at its
 * first call.
 */
#define GREEN_BAD_STACK(size) ((size) > GREEN_STACK_MAX) /* BUG: no minimum */
#include "common.h"
