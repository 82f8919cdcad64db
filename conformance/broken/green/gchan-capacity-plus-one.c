/* BREAKS: GREEN-024 */
/* The ring has one slot more than the capacity and "full" means every
 * slot used: the channel holds capacity + 1 messages.
 */
#define GCHAN_SLOTS(c) ((c) + 1)                     /* BUG */
#define GCHAN_FULL(ch) ((ch)->count == (ch)->nslots) /* BUG: capacity + 1 */
#include "common.h"
