/* BREAKS: GREEN-026 */
/* Tasks parked on a channel are kept on a stack: the last to park is the
 * first woken, so the first receiver to wait is served last.
 */
#define GCHAN_PARK_PUSH(l, t) tlist_push_front((l), (t)) /* BUG */
#include "common.h"
