/* BREAKS: CHAN-016 */
/* chan_close returns 0 every time, so a program that closes a channel
 * twice (two producers each thinking it is the last) never learns it.
 */
#define CHAN_CLOSE_AGAIN 0 /* BUG: should be -EPIPE */
#include "common.h"
