/* BREAKS: CHAN-015 */
/* chan_close sets the flag and wakes nobody: threads already blocked in
 * chan_recv or chan_send sleep on, until some later send or receive
 * happens to signal them - after a close, none does.
 */
#define CHAN_WAKE_ALL(ch) ((void)(ch)) /* BUG: no broadcast */
#include "common.h"
