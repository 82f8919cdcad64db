/* BREAKS: CHAN-014 */
/* A receiver that finds the channel closed returns -EPIPE at once, even
 * with messages still buffered: whatever was sent just before the close
 * is lost.
 */
#define CHAN_RECV_DONE(ch) ((ch)->closed) /* BUG: the buffer is not drained */
#include "common.h"
