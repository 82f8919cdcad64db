/* BREAKS: CHAN-013 */
/* Sends never look at the closed flag: a send on a closed channel with
 * room adds its message, which the receivers then get after "the end".
 */
#define CHAN_SEND_REFUSED(ch) ((void)(ch), false) /* BUG */
#include "common.h"
