/* BREAKS: MP-002 */
/* Flags other than MP_DEBUG are ignored instead of refused: a caller who
 * passes a flag from a newer version of the header gets silently
 * different behaviour.
 */
#include "common.h"

static int check_no_flags(const void *out, size_t size, size_t count, unsigned flags)
{
    (void)flags; /* BUG: unknown bits accepted */
    if (!out || size == 0 || count == 0)
        return -EINVAL;
    return 0;
}

BREAK(check_args, check_no_flags)
