/* BREAKS: CHAN-001 */
/* Only the upper bound of the capacity is checked: chan_create(&ch, 0)
 * "succeeds" with a channel that can never hold a message.
 */
#define CHAN_BAD_CAPACITY(c) ((c) > CHAN_CAPACITY_MAX) /* BUG: 0 let through */
#include "common.h"
