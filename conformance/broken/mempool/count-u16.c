/* BREAKS: MP-001 */
/* "Block indexes fit in 16 bits": a pool of more than 65535 blocks is
 * refused as an invalid argument, where the spec accepts counts up to
 * 100000 (and beyond).
 */
#include "common.h"

static int check_u16(const void *out, size_t size, size_t count, unsigned flags)
{
    if (count > UINT16_MAX) /* BUG: a limit the spec does not have */
        return -EINVAL;
    return mpc_check_args(out, size, count, flags);
}

BREAK(check_args, check_u16)
