/* BREAKS: MP-016 */
/* In debug mode free(NULL) goes through the checks like any pointer and
 * is refused as foreign, where free(NULL) must be a no-op returning 0 in
 * both modes (as free(3)'s is).
 */
#include "common.h"

static int null_checked(unsigned flags)
{
    return flags & MP_DEBUG ? -EINVAL : 0; /* BUG: 0 in both modes */
}

BREAK(free_null, null_checked)
