/* BREAKS: CHAN-002 */
/* The classic ring-buffer off-by-one: one slot more than the capacity is
 * allocated and "full" is tested with the count of slots, so the channel
 * holds capacity + 1 messages.
 */
#define CHAN_SLOTS(c) ((c) + 1)                     /* BUG */
#define CHAN_FULL(ch) ((ch)->count == (ch)->nslots) /* BUG: capacity + 1 */
#include "common.h"
