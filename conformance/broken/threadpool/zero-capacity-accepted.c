/* BREAKS: TP-002 */
/* The range check forgets capacity 0: tp_create(&p, 4, 0) returns a pool
 * whose queue can never take a task (calloc(0) is not NULL).
 */
#define TPB_VALID valid_any_capacity
#include "common.h"

static bool valid_any_capacity(unsigned w, size_t c)
{
    return w >= 1 && w <= TP_MAX_WORKERS && c <= TP_MAX_CAPACITY; /* BUG: c >= 1 missing */
}
